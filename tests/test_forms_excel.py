"""Excel export, import templates and import of form records (ieum.forms.excel)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest

from ieum.definitions.frozen import freeze
from ieum.definitions.model import FormDef
from ieum.forms.excel import (
    FILE_ERROR_MESSAGE,
    CellError,
    ImportResult,
    export_xlsx,
    import_fields,
    read_xlsx,
    sheet_title,
    template_xlsx,
)
from ieum.forms.fields import field_tree

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "이용자 현황",
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "성명", "minLength": 1, "maxLength": 50},
        "age": {"type": "integer", "title": "나이", "minimum": 0, "maximum": 150},
        "temperature": {"type": "number", "title": "체온"},
        "active": {"type": "boolean", "title": "이용 중"},
        "birth_date": {"type": "string", "format": "date", "title": "생년월일"},
        "visited_at": {"type": "string", "format": "local-date-time", "title": "방문일시"},
        "wake_time": {"type": "string", "format": "local-time", "title": "기상 시각"},
        "sex": {"type": "string", "title": "성별", "oneOf": [
            {"const": "male", "title": "남"}, {"const": "female", "title": "여"}]},
        "services": {"type": "array", "title": "이용 서비스", "uniqueItems": True,
                     "items": {"type": "string", "oneOf": [
                         {"const": "meal", "title": "식사"},
                         {"const": "bath", "title": "목욕"},
                         {"const": "rehab", "title": "재활"}]}},
        "days": {"type": "array", "title": "이용 요일",
                 "items": {"type": "string", "enum": ["월", "화", "수"]}},
        "phone": {"type": "string", "title": "연락처"},
        "age_group": {"type": "string", "title": "연령대", "readOnly": True},
        "score": {"type": "integer", "title": "점수"},
        "attachment": {"type": "string", "title": "첨부"},
        "visits": {"type": "array", "title": "방문 기록", "items": {
            "type": "object",
            "properties": {"date": {"type": "string", "format": "date", "title": "방문일"},
                           "note": {"type": "string", "title": "메모"}}}},
    },
    "required": ["name", "age", "birth_date", "sex"],
    "x-ui": {"phone": {"widget": "phone"}, "attachment": {"widget": "file"}},
    "x-computed": {"score": "age * 2"},
}

#: The importable columns in template order, as the template writes them.
HEADERS = ["성명 *", "나이 *", "체온", "이용 중", "생년월일 *", "방문일시", "기상 시각",
           "성별 *", "이용 서비스", "이용 요일", "연락처"]


def make_form(schema: dict[str, Any] = SCHEMA) -> FormDef:
    return FormDef(id="subject_status", title=schema["title"], version=1,
                   schema=freeze(schema), path=Path("x.json"))


@pytest.fixture
def form() -> FormDef:
    return make_form()


_MESSAGES = {
    "required": lambda error: "필수 항목입니다",
    "minimum": lambda error: f"{error.validator_value} 이상이어야 합니다",
    "maximum": lambda error: f"{error.validator_value} 이하여야 합니다",
    "minLength": lambda error: "값을 입력하세요",
}


def schema_validate(record: dict) -> dict[str, list[str]]:
    """A real JSON Schema validation, its errors keyed by field path, messages in Korean."""
    problems: dict[str, list[str]] = {}
    for error in jsonschema.Draft202012Validator(SCHEMA).iter_errors(record):
        message = _MESSAGES.get(error.validator, lambda e: e.message)(error)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    path = ".".join(str(part) for part in (*error.path, name))
                    problems.setdefault(path, []).append(message)
        else:
            path = ".".join(str(part) for part in error.path)
            problems.setdefault(path, []).append(message)
    return problems


def workbook_bytes(rows: list[list[Any]], headers: list[str] | None = HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if headers is not None:
        sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def load(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


GOOD_ROW = ["김철수", 80, 36.5, "예", dt.date(1945, 3, 1), dt.datetime(2026, 3, 1, 14, 30),
            dt.time(7, 0), "남", "식사, 목욕", "월,수", "010-1234-5678"]


# --------------------------------------------------------------------------- export


def test_export_shows_korean_headers_labels_and_real_dates(form: FormDef) -> None:
    tree = field_tree(form)
    by_name = {item.name: item for item in tree.fields}
    columns = [by_name[name] for name in ("name", "age", "temperature", "active", "birth_date",
                                          "visited_at", "sex", "services", "days", "visits",
                                          "score")]
    records = [
        {"_updated_at": dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC),
         "name": "김철수", "age": 80, "temperature": 36.5, "active": True,
         "birth_date": "1945-03-01", "visited_at": "2026-03-01T14:30:00", "sex": "male",
         "services": ["meal", "bath"], "days": ["월"],
         "visits": [{"date": "2026-01-01"}, {"date": "2026-02-01"}, {}], "score": 160},
        {"_updated_at": None, "name": "=SUM(A1)", "age": None, "active": False,
         "sex": "female"},
    ]
    content = export_xlsx("이용자 현황", columns, records,
                          extra_columns=[("_updated_at", "수정일시")])
    sheet = load(content).active

    assert sheet.title == "이용자 현황"
    assert [cell.value for cell in sheet[1]] == [
        "수정일시", "성명", "나이", "체온", "이용 중", "생년월일", "방문일시", "성별",
        "이용 서비스", "이용 요일", "방문 기록", "점수"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:L3"

    first = [cell for cell in sheet[2]]
    assert first[0].value == dt.datetime(2026, 3, 2, 10, 0)  # shown in Korean time
    assert first[0].is_date
    assert first[1].value == "김철수"
    assert first[2].value == 80
    assert first[3].value == 36.5
    assert first[4].value == "예"
    assert first[5].value == dt.datetime(1945, 3, 1)
    assert first[5].is_date and first[5].number_format == "yyyy-mm-dd"
    assert first[6].value == dt.datetime(2026, 3, 1, 14, 30) and first[6].is_date
    assert first[7].value == "남"
    assert first[8].value == "식사, 목욕"
    assert first[9].value == "월"
    assert first[10].value == "3건"
    assert first[11].value == 160

    second = [cell.value for cell in sheet[3]]
    assert second[0] is None and second[2] is None
    assert second[1] == "=SUM(A1)"  # stays text, never a formula
    assert sheet["B3"].data_type == "s"
    assert second[4] == "아니오"
    assert second[7] == "여"

    # Hangul is wide: a Korean header gets a wider column than its character count.
    assert sheet.column_dimensions["I"].width >= len("이용 서비스") * 2


def test_export_streams_many_rows(form: FormDef) -> None:
    columns = field_tree(form).list_columns
    records = ({"name": f"이용자{n}", "age": n % 100, "birth_date": "1950-01-01", "sex": "male"}
               for n in range(3000))
    sheet = load(export_xlsx("목록", columns, records)).active
    assert sheet.max_row == 3001
    assert sheet.cell(row=3001, column=1).value == "이용자2999"


def test_export_with_no_rows_still_has_header(form: FormDef) -> None:
    columns = field_tree(form).list_columns
    sheet = load(export_xlsx("빈 목록", columns, [])).active
    assert [cell.value for cell in sheet[1]] == [item.title for item in columns]
    assert sheet.max_row == 1


@pytest.mark.parametrize(("title", "expected"), [
    ("이용자 현황", "이용자 현황"),
    ("상담/사례 [2026]: 목록?*", "상담 사례 2026 목록"),
    ("가" * 40, "가" * 31),
    ("[]", "Sheet1"),
])
def test_sheet_title(title: str, expected: str) -> None:
    assert sheet_title(title) == expected


# --------------------------------------------------------------------------- template


def test_import_fields_leave_out_computed_readonly_file_and_rows(form: FormDef) -> None:
    names = [item.name for item in import_fields(form)]
    assert names == ["name", "age", "temperature", "active", "birth_date", "visited_at",
                     "wake_time", "sex", "services", "days", "phone"]


def test_template_headers_marks_comments_dropdowns_and_guide(form: FormDef) -> None:
    workbook = load(template_xlsx(form))
    assert workbook.sheetnames[:2] == ["입력", "안내"]
    sheet = workbook["입력"]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.freeze_panes == "A2"

    age_note = sheet["B1"].comment.text
    assert "정수" in age_note and "0 이상" in age_note and "필수" in age_note
    assert "남, 여" in sheet["H1"].comment.text
    assert "쉼표" in sheet["I1"].comment.text

    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    assert validations["H2"].type == "list"
    assert validations["H2"].formula1 == '"남,여"'
    assert validations["D2"].formula1 == '"예,아니오"'
    assert "I2" not in validations  # several choices cannot be one dropdown
    assert sheet.column_dimensions["E"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["K"].number_format == "@"

    guide = workbook["안내"]
    rows = [[cell.value for cell in row] for row in guide.iter_rows(max_col=5)]
    assert rows[0][:4] == ["항목", "필수", "형식", "선택값"]
    by_item = {row[0]: row for row in rows[1:12]}
    assert by_item["성명"][1] == "예"
    assert by_item["체온"][1] == "아니오"
    assert by_item["생년월일"][2].startswith("날짜")
    assert by_item["성별"][3] == "남, 여"
    assert by_item["이용 서비스"][3] == "식사, 목욕, 재활"


def test_template_long_choice_lists_go_to_a_hidden_sheet() -> None:
    schema = {"title": "긴 목록", "type": "object", "properties": {
        "region": {"type": "string", "title": "지역", "oneOf": [
            {"const": f"r{n}", "title": f"지역 이름이 꽤 긴 곳, 번호 {n}"} for n in range(30)]},
    }}
    workbook = load(template_xlsx(make_form(schema)))
    hidden = workbook["선택값"]
    assert hidden.sheet_state == "hidden"
    assert hidden["A2"].value == "지역 이름이 꽤 긴 곳, 번호 0"
    validation = workbook["입력"].data_validations.dataValidation[0]
    assert validation.formula1 == "'선택값'!$A$2:$A$31"


def test_template_filled_in_reads_back(form: FormDef) -> None:
    workbook = load(template_xlsx(form))
    sheet = workbook["입력"]
    sheet.append(GOOD_ROW)
    sheet.append(["이영희", "70", None, "N", "1956.7.15", None, None, "여", None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = read_xlsx(form, buffer.getvalue(), schema_validate)
    assert result.ok, [str(error) for error in result.errors]
    assert result.records[1] == {"name": "이영희", "age": 70, "active": False,
                                 "birth_date": "1956-07-15", "sex": "female"}


# --------------------------------------------------------------------------- import


def test_import_good_file_gives_typed_json_records(form: FormDef) -> None:
    content = workbook_bytes([
        GOOD_ROW,
        ["  박민수 ", "100", "1,000", "아니오", "2026/3/1", "2026-03-01 09:05", "6:30:15",
         "female", "rehab", "화", 1012345678],
        [None] * 11,  # fully empty rows are skipped
        ["", "   ", None],
        ["최영자", 75.0, 36, 1, "20260301", dt.date(2026, 3, 1), "07:00", "여", "재활;식사,재활",
         None, "010-0000-0000"],
    ])
    result = read_xlsx(form, content, schema_validate)
    assert result.ok, [str(error) for error in result.errors]
    assert result.records == (
        {"name": "김철수", "age": 80, "temperature": 36.5, "active": True,
         "birth_date": "1945-03-01", "visited_at": "2026-03-01T14:30:00", "wake_time": "07:00",
         "sex": "male", "services": ["meal", "bath"], "days": ["월", "수"],
         "phone": "010-1234-5678"},
        {"name": "박민수", "age": 100, "temperature": 1000, "active": False,
         "birth_date": "2026-03-01", "visited_at": "2026-03-01T09:05:00",
         "wake_time": "06:30:15", "sex": "female", "services": ["rehab"], "days": ["화"],
         "phone": "1012345678"},
        {"name": "최영자", "age": 75, "temperature": 36, "active": True,
         "birth_date": "2026-03-01", "visited_at": "2026-03-01T00:00:00", "wake_time": "07:00",
         "sex": "female", "services": ["rehab", "meal"], "phone": "010-0000-0000"},
    )


def test_import_bad_rows_imports_nothing_and_names_cells(form: FormDef) -> None:
    content = workbook_bytes([
        GOOD_ROW,                                                      # row 2
        ["홍길동", "abc", None, None, "1950-01-01", None, None, "남"],  # row 3
        ["임꺽정", -5, None, None, "1950-01-01", None, None, "남"],     # row 4
        GOOD_ROW,                                                      # row 5
    ])
    result = read_xlsx(form, content, schema_validate)
    assert not result.ok
    assert result.records == ()
    assert [(e.row, e.column, e.field) for e in result.errors] == [
        (3, "B", "age"), (4, "B", "age")]
    assert result.errors[0].message == "숫자가 아닙니다"
    assert result.errors[1].message == "0 이상이어야 합니다"
    assert str(result.errors[0]) == "3행 B열(나이): 숫자가 아닙니다"


def test_conversion_errors_are_not_validated_again(form: FormDef) -> None:
    # "abc" in a required column: one conversion error, not also "필수 항목입니다".
    content = workbook_bytes([["홍길동", "abc", None, None, "1950-01-01", None, None, "남"]])
    errors = read_xlsx(form, content, schema_validate).errors
    assert [(e.column, e.message) for e in errors] == [("B", "숫자가 아닙니다")]


@pytest.mark.parametrize(("column", "value", "message"), [
    (1, 1.5, "정수가 아닙니다"),
    (2, "37도", "숫자가 아닙니다"),
    (3, "아마도", "예 또는 아니오"),
    (4, "3월 1일", "날짜 형식이 아닙니다 (예: 2026-03-01)"),
    (4, "2026-02-30", "없는 날짜입니다"),
    (5, "어제 저녁", "날짜·시각 형식이 아닙니다"),
    (6, "25:00", "시각 형식이 아닙니다"),
    (7, "남자", "선택할 수 있는 값이 아닙니다: 남자"),
    (8, "식사, 수영", "선택할 수 있는 값이 아닙니다: 수영"),
])
def test_conversion_messages(form: FormDef, column: int, value: Any, message: str) -> None:
    row: list[Any] = ["홍길동", 80, None, None, "1950-01-01", None, None, "남", None]
    row[column] = value
    errors = read_xlsx(form, workbook_bytes([row]), schema_validate).errors
    assert len(errors) == 1
    assert errors[0].row == 2
    assert errors[0].column == "ABCDEFGHI"[column]
    assert message in errors[0].message


@pytest.mark.parametrize(("column", "value", "expected"), [
    (0, 12345, "12345"),
    (0, 1.5, "1.5"),
    (0, "  여러 줄\r\n메모 ", "여러 줄\n메모"),
    (1, "1,000", 1000),
    (1, 12.0, 12),
    (1, " 42 ", 42),
    (2, "36.5", 36.5),
    (2, 36, 36),
    (3, "Y", True),
    (3, "x", False),
    (3, "TRUE", True),
    (3, True, True),
    (3, 0, False),
    (4, "2026.03.01", "2026-03-01"),
    (4, "2026. 3. 1.", "2026-03-01"),
    (4, "2026년 3월 1일", "2026-03-01"),
    (4, 20260301, "2026-03-01"),
    (4, dt.datetime(2026, 3, 1), "2026-03-01"),
    (5, "2026.3.1 14:30", "2026-03-01T14:30:00"),
    (5, "2026-03-01T14:30:00+00:00", "2026-03-01T23:30:00"),
    (5, "2026-03-01", "2026-03-01T00:00:00"),
    (6, dt.time(14, 30), "14:30"),
    (6, "9:05", "09:05"),
    (7, "female", "female"),
    (7, " 여 ", "female"),
    (8, "목욕", ["bath"]),
    (8, "bath, 식사, 목욕", ["bath", "meal"]),
])
def test_cell_conversions(form: FormDef, column: int, value: Any, expected: Any) -> None:
    row: list[Any] = [None] * 9
    row[column] = value
    result = read_xlsx(form, workbook_bytes([row]), lambda record: {})
    assert result.ok, [str(error) for error in result.errors]
    name = [item.name for item in import_fields(form)][column]
    assert result.records == ({name: expected},)


def test_validation_messages_land_on_their_columns(form: FormDef) -> None:
    headers = ["성명", "나이", "생년월일", "성별"]
    content = workbook_bytes([["", 200, "1950-01-01", "남"], ["김", 10, None, "여"]],
                             headers=headers)
    errors = read_xlsx(form, content, schema_validate).errors
    assert [(e.row, e.column, e.field, e.message) for e in errors] == [
        (2, "A", "name", "필수 항목입니다"),  # empty cells are left out of the record
        (2, "B", "age", "150 이하여야 합니다"),
        (3, "C", "birth_date", "필수 항목입니다"),
    ]
    assert str(errors[0]) == "2행 A열(성명): 필수 항목입니다"


def test_nested_error_paths_map_to_the_top_level_column(form: FormDef) -> None:
    def validate(record: dict) -> dict[str, list[str]]:
        return {"sex.0.x": ["잘못된 값"], "": ["행 전체 오류"]}

    content = workbook_bytes([GOOD_ROW])
    errors = read_xlsx(form, content, validate).errors
    assert [(e.column, e.field, e.title, e.message) for e in errors] == [
        ("H", "sex", "성별", "잘못된 값"), ("", "", "", "행 전체 오류")]
    assert str(errors[1]) == "2행: 행 전체 오류"


def test_headers_by_title_or_name_with_or_without_mark(form: FormDef) -> None:
    content = workbook_bytes([["김철수", 80, "1945-03-01", "male"]],
                             headers=["name", "나이*", " 생년월일 * ", "성별"])
    result = read_xlsx(form, content, schema_validate)
    assert result.ok, [str(error) for error in result.errors]
    assert result.records == ({"name": "김철수", "age": 80, "birth_date": "1945-03-01",
                               "sex": "male"},)


def test_unknown_and_readonly_headers_are_reported(form: FormDef) -> None:
    content = workbook_bytes([["김철수", 80, "1945-03-01", "남", "x", "y"]],
                             headers=["성명", "나이", "생년월일", "성별", "취미", "점수"])
    result = read_xlsx(form, content, schema_validate)
    assert result.records == ()
    assert [(e.row, e.column, e.title) for e in result.errors] == [
        (1, "E", "취미"), (1, "F", "점수")]
    assert "알 수 없는 항목" in result.errors[0].message
    assert "취미" in str(result.errors[0])
    assert "가져올 수 없는" in result.errors[1].message


def test_missing_required_and_duplicate_columns(form: FormDef) -> None:
    content = workbook_bytes([["김철수", "김철수"]], headers=["성명", "name"])
    errors = read_xlsx(form, content, schema_validate).errors
    assert errors[0] == CellError(1, "B", "name", "성명", "같은 항목의 열이 두 번 있습니다 (A열)")
    missing = {e.field for e in errors[1:]}
    assert missing == {"age", "birth_date", "sex"}
    assert all(e.row == 1 and e.column == "" and "필수" in e.message for e in errors[1:])


def test_values_in_a_column_without_header_are_reported(form: FormDef) -> None:
    content = workbook_bytes([["김철수", 80, "1945-03-01", "남", None, "메모"]],
                             headers=["성명", "나이", "생년월일", "성별"])
    errors = read_xlsx(form, content, schema_validate).errors
    assert [(e.row, e.column) for e in errors] == [(2, "F")]


@pytest.mark.parametrize("content", [
    b"", b"not an excel file", b"PK\x03\x04broken zip",
    b"name,age\nkim,80\n",
])
def test_unreadable_files_give_one_file_error(form: FormDef, content: bytes) -> None:
    result = read_xlsx(form, content, schema_validate)
    assert result == ImportResult((), (CellError(0, "", "", "파일", FILE_ERROR_MESSAGE),))
    assert str(result.errors[0]) == f"파일: {FILE_ERROR_MESSAGE}"


def test_a_zip_that_is_not_a_workbook_gives_the_file_error(form: FormDef) -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "안녕")
    result = read_xlsx(form, buffer.getvalue(), schema_validate)
    assert [e.message for e in result.errors] == [FILE_ERROR_MESSAGE]


def test_empty_sheet_has_no_header(form: FormDef) -> None:
    errors = read_xlsx(form, workbook_bytes([], headers=None), schema_validate).errors
    assert [(e.row, e.column) for e in errors] == [(1, "")]


def test_header_only_file_imports_nothing_without_error(form: FormDef) -> None:
    result = read_xlsx(form, workbook_bytes([]), schema_validate)
    assert result.ok and result.records == ()


def test_too_many_rows_is_one_error(form: FormDef) -> None:
    content = workbook_bytes([GOOD_ROW] * 4)
    assert read_xlsx(form, content, schema_validate, max_rows=4).ok
    result = read_xlsx(form, content, schema_validate, max_rows=3)
    assert result.records == ()
    assert len(result.errors) == 1
    assert result.errors[0].row == 5
    assert "3건" in result.errors[0].message


def test_export_of_importable_columns_reads_back(form: FormDef) -> None:
    records = [{"name": "김철수", "age": 80, "temperature": 36.5, "active": True,
                "birth_date": "1945-03-01", "visited_at": "2026-03-01T14:30:00",
                "wake_time": "07:00", "sex": "male", "services": ["meal", "bath"],
                "days": ["월", "수"], "phone": "010-1234-5678"}]
    content = export_xlsx("이용자", import_fields(form), records)
    result = read_xlsx(form, content, schema_validate)
    assert result.ok, [str(error) for error in result.errors]
    assert result.records == tuple(records)
