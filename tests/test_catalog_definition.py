"""Program definitions: the shipped programs, one parse function, the same errors everywhere."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from ieum.catalog.definition import (
    DEFAULT_THRESHOLD,
    VARIABLES,
    ProgramDefinition,
    ProgramError,
    catalog_procedures,
    check_expression_text,
    check_program_files,
    common_application,
    default_procedure,
    load_program_file,
    parse_program,
    parse_program_text,
    shipped_programs,
    to_mapping,
    to_yaml,
)

REPOSITORY = Path(__file__).resolve().parents[1]


def livelihood() -> dict:
    return to_mapping(shipped_programs()["livelihood-2026"])


def test_shipped_programs() -> None:
    programs = shipped_programs()
    assert {"livelihood-2026", "medical-2026", "housing-2026", "education-2026",
            "local-energy-voucher-2026"} <= set(programs)
    survey_types = {definition.survey_type for definition in programs.values()}
    assert {1, 4} <= survey_types
    for code, definition in programs.items():
        assert isinstance(definition, ProgramDefinition)
        assert definition.code == code
        assert definition.legal_basis and definition.annex_form["properties"]
    program = programs["livelihood-2026"]
    assert program.name == "생계급여"
    assert program.parameters[2026] == {"threshold_share": 0.32}
    assert program.criteria == "income_recognition <= threshold"
    assert program.threshold == DEFAULT_THRESHOLD
    assert program.process_id == "program_application"
    assert program.auto_decide_share == 0.65
    assert program.latest_year == 2026 and program.parameters_for(2025)["threshold_share"] == 0.32
    assert programs["local-energy-voucher-2026"].benefit_type == "voucher"


def test_to_mapping_round_trips_through_parse_and_yaml() -> None:
    for definition in shipped_programs().values():
        assert parse_program(to_mapping(definition)) == definition
        assert parse_program_text(to_yaml(definition)) == definition


def test_common_application_is_shared_and_annexes_do_not_repeat_it() -> None:
    common = common_application()
    assert common is not None and common["title"] == "사회보장급여 신청서 (공통)"
    assert {"applicant_name", "applicant_rrn", "household_size"} <= set(common["properties"])
    for definition in shipped_programs().values():
        assert not set(definition.annex_form["properties"]) & set(common["properties"])


def test_shipped_program_files_have_no_problems() -> None:
    assert check_program_files(REPOSITORY / "programs") == []


def broken() -> dict:
    data = livelihood()
    data["criteria"] = "incme <= threshold"
    data["benefit"] = "threshold - "
    data["version"] = 0
    del data["owner"]
    data["colour"] = "red"
    data["parameters"][2026]["size"] = 3
    data["annex_form"]["properties"]["applicant_name"] = {"type": "string", "title": "성명"}
    return data


EXPECTED = [
    ("owner", "필수 입력 항목입니다"),
    ("colour", "정의할 수 없는 항목입니다"),
    ("version", "1 이상이어야 합니다"),
    ("parameters.2025.size",
     "연도마다 같은 매개변수를 정해야 합니다: 2025년에 size가 없습니다"),
    ("parameters.2026.size", "표준 가구 변수와 같은 이름은 쓸 수 없습니다: size"),
    ("criteria", "알 수 없는 변수입니다: incme"),
    ("benefit", "식의 문법이 맞지 않습니다 (12번째 글자): 문법 오류"),
    ("annex_form.properties.applicant_name",
     "공통 신청서에 이미 있는 항목입니다: applicant_name (한 번만 입력합니다)"),
]


def test_every_problem_is_reported_in_korean_with_its_path() -> None:
    with pytest.raises(ProgramError) as caught:
        parse_program(broken())
    assert caught.value.problems == EXPECTED
    assert "criteria: 알 수 없는 변수입니다: incme" in str(caught.value)


def test_yaml_upload_and_file_give_the_same_errors_as_the_mapping(tmp_path: Path) -> None:
    text = yaml.safe_dump(broken(), allow_unicode=True)
    with pytest.raises(ProgramError) as from_text:
        parse_program_text(text)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProgramError) as from_file:
        load_program_file(path)
    assert from_text.value.problems == from_file.value.problems == EXPECTED
    problems = check_program_files(tmp_path)
    assert [(p.pointer, p.message) for p in problems] == [
        ("/" + where.replace(".", "/"), message) for where, message in EXPECTED]


@pytest.mark.parametrize(("change", "expected"), [
    ({"criteria": "income_recognition[0] < 1"},
     ("criteria", "시뮬레이션(일괄 계산)에서 쓸 수 없는 식입니다: 항목 꺼내기 x[...]")),
    ({"benefit": "sum(size)"},
     ("benefit", "시뮬레이션(일괄 계산)에서 쓸 수 없는 식입니다: sum() 함수")),
    ({"benefit": "open(size)"}, ("benefit", "쓸 수 없는 함수입니다: open")),
    ({"threshold": "median_income.real"},
     ("threshold", "'.real' 같은 속성 접근은 쓸 수 없습니다")),
    ({"threshold": "threshold * 2"},
     ("threshold", "선정기준액 식에서 threshold 자신을 쓸 수 없습니다")),
    ({"criteria": "income_recognition + 1"},
     ("criteria", "선정기준 식의 결과는 참/거짓이어야 합니다")),
    ({"benefit": "region"}, ("benefit", "급여액 (원, 1회 지급분) 식의 결과는 숫자(원)여야 합니다")),
    ({"benefit": "max(threshold - income_recognition"},
     ("benefit", "식의 문법이 맞지 않습니다 (4번째 글자): '(' 괄호가 닫히지 않았습니다")),
    ({"criteria": "  "}, ("criteria", "식이 비어 있습니다")),
    ({"code": "Livelihood 2026"},
     ("code", "사업 코드는 영문 소문자·숫자와 '-'로 씁니다 (예: livelihood-2026)")),
    ({"survey_type": 5}, ("survey_type", "선택할 수 있는 값이 아닙니다")),
    ({"target_group": []}, ("target_group", "지원 대상을 하나 이상 정해야 합니다")),
    ({"parameters": {2030: {"threshold_share": 0.3}}},
     ("parameters.2030", "2030년 기준(기준 중위소득 등)이 아직 없습니다 (있는 연도: 2025, 2026)")),
    ({"parameters": {"20x6": {"threshold_share": 0.3}}},
     ("parameters", "연도는 네 자리 숫자여야 합니다: '20x6'")),
    ({"parameters": {2026: {"threshold_share": "높음"}}},
     ("parameters.2026.threshold_share", "숫자를 입력하세요")),
    ({"auto_decide_share": 1.5}, ("auto_decide_share", "1 이하여야 합니다")),
])
def test_single_problems(change: dict, expected: tuple[str, str]) -> None:
    data = {**livelihood(), **change}
    with pytest.raises(ProgramError) as caught:
        parse_program(data)
    ((path, message),) = caught.value.problems
    assert path == expected[0] and message.startswith(expected[1])


def test_annex_form_is_checked_as_a_platform_form() -> None:
    data = livelihood()
    data["annex_form"] = {"title": "별지", "type": "object", "properties": {}}
    with pytest.raises(ProgramError) as caught:
        parse_program(data)
    paths = [path for path, _ in caught.value.problems]
    assert paths and all(path.startswith("annex_form") for path in paths)
    assert all(message.startswith("별지 서식이 올바르지 않습니다") for _, message in
               caught.value.problems)


def test_not_a_mapping_and_bad_yaml() -> None:
    with pytest.raises(ProgramError) as caught:
        parse_program(["code"])  # type: ignore[arg-type]
    assert caught.value.problems == [("", "사업 정의는 항목 묶음(YAML 매핑)이어야 합니다")]
    with pytest.raises(ProgramError) as caught:
        parse_program_text("code: [a,\nname: b\n")
    (problem,) = caught.value.problems
    assert problem[0] == "" and problem[1].startswith("YAML 문법이 맞지 않습니다 (3행")


def test_optional_fields_take_their_defaults() -> None:
    data = livelihood()
    for name in ("threshold", "process_id", "auto_decide_share", "description"):
        del data[name]
    definition = parse_program(data)
    assert definition.threshold == DEFAULT_THRESHOLD
    assert (definition.process_id, definition.auto_decide_share) == ("program_application", 0.65)


def test_the_default_procedure_comes_from_the_catalogs_settings(tmp_path, monkeypatch) -> None:
    assert catalog_procedures(REPOSITORY / "programs") == ("program_application",)
    data = livelihood()
    del data["process_id"]
    root = tmp_path / "content"
    folder = root / "programs"
    folder.mkdir(parents=True)
    monkeypatch.setenv("IEUM_CONTENT_ROOT", str(root))
    (folder / "catalog.json").write_text(
        '{"procedures": ["vendor_procedure", "program_application"]}', encoding="utf-8")
    assert default_procedure() == "vendor_procedure"
    assert parse_program(data).process_id == "vendor_procedure"
    assert parse_program({**data, "process_id": "own_procedure"}).process_id == "own_procedure"
    assert check_program_files(folder) == []
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "catalog.json").write_text('{"procedures": []}', encoding="utf-8")
    (problem,) = check_program_files(wrong)
    assert Path(problem.path).name == "catalog.json" and problem.pointer == "/procedures"
    assert catalog_procedures(wrong) == ()
    other = tmp_path / "bare"
    (other / "programs").mkdir(parents=True)
    monkeypatch.setenv("IEUM_CONTENT_ROOT", str(other))
    assert (catalog_procedures(), default_procedure()) == ((), "")
    with pytest.raises(ProgramError) as caught:
        parse_program(data)
    assert caught.value.problems == [("process_id", "업무 절차(BPMN)를 정하세요: 카탈로그 "
                                                    "설정(catalog.json)에 기본 절차가 없습니다")]


def test_parse_does_not_change_its_input() -> None:
    data = livelihood()
    before = copy.deepcopy(data)
    parse_program(data)
    assert data == before


def test_check_expression_text_for_the_studio() -> None:
    assert check_expression_text("income_recognition <= threshold", "criteria") == []
    assert check_expression_text("incme <= threshold", "criteria") == [
        "알 수 없는 변수입니다: incme"]
    assert check_expression_text("median_income * share", "threshold") == [
        "알 수 없는 변수입니다: share"]
    assert check_expression_text("median_income * share", "threshold", ["share"]) == []
    assert check_expression_text("round_half_up(median_income * 0.35)", "threshold") == []
    assert check_expression_text("", "benefit") == ["식이 비어 있습니다"]


def test_variables_have_korean_labels() -> None:
    assert VARIABLES["income_recognition"] == "소득인정액"
    assert VARIABLES["median_income"] == "기준 중위소득"
    for name in ("size", "region", "earned_income", "business_income", "other_income",
                 "housing_assets", "general_assets", "financial_assets", "car_value",
                 "car_exempt", "debts", "income_evaluation", "asset_conversion", "threshold"):
        assert VARIABLES[name]
