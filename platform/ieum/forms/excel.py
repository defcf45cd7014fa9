"""Excel (.xlsx) for forms: exporting records, import templates and importing records.

All three read a form through its field tree (:func:`ieum.forms.fields.field_tree`), so the
Excel headers are the same Korean titles the screens show, and choice values travel as the
Korean labels people know rather than the stored option values.

* :func:`export_xlsx` streams records into a one-sheet workbook (openpyxl write-only mode).
* :func:`template_xlsx` is the empty workbook people fill in for an import.
* :func:`read_xlsx` reads such a workbook back into JSON records, all or nothing: every cell
  problem comes back as a :class:`CellError` naming the Excel row and column, and if there is
  any problem no record is returned at all.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ieum.definitions.model import FormDef
from ieum.forms import clock
from ieum.forms.fields import SCALAR_KINDS, Field, field_tree
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l

#: Aware datetimes are shown in Korean time (no daylight saving, so a fixed offset will do).
DISPLAY_TZ = dt.timezone(dt.timedelta(hours=9), "KST")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm"
TEXT_FORMAT = "@"

IMPORT_SHEET = "입력"
GUIDE_SHEET = "안내"
OPTIONS_SHEET = "선택값"
REQUIRED_MARK = " *"
FILE_ERROR_MESSAGE = _l("엑셀(.xlsx) 파일을 읽을 수 없습니다")
DATE_ERROR = _l("날짜 형식이 아닙니다 (예: 2026-03-01)")
DATETIME_ERROR = _l("날짜·시각 형식이 아닙니다 (예: 2026-03-01 14:30)")
TIME_ERROR = _l("시각 형식이 아닙니다 (예: 14:30)")

MULTI_KINDS = frozenset({"checkboxes", "multiselect"})
SINGLE_CHOICE_KINDS = frozenset({"select", "radio"})
CHOICE_AND_BOOLEAN = SINGLE_CHOICE_KINDS | MULTI_KINDS | {"boolean"}
TEXT_KINDS = frozenset({"text", "textarea", "rrn", "phone"})
_NOT_IMPORTABLE_KINDS = frozenset({"file", "hidden"})

#: How many template rows carry the dropdown lists and column formats.
TEMPLATE_ROWS = 5000
#: Refuse archives that would unpack to more than this (a guard against zip bombs).
MAX_UNCOMPRESSED = 256 * 1024 * 1024
#: Excel's limit on the characters of one cell.
MAX_CELL_TEXT = 32_767
#: Rows looked at to size the export's columns before streaming the rest.
_WIDTH_SAMPLE = 200
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_INLINE_LIST_LIMIT = 255

_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="E7EEF7")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_KIND_WIDTHS = {"date": 12, "datetime": 17, "time": 8, "boolean": 8, "integer": 10,
                "number": 10, "phone": 15, "rrn": 16}

_TRUE = frozenset({"예", "네", "y", "yes", "o", "○", "true", "t", "1", "참"})
_FALSE = frozenset({"아니오", "아니요", "n", "no", "x", "×", "false", "f", "0", "거짓"})
_DATE_RE = re.compile(
    r"(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?")
_COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME_RE = re.compile(r"(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2})(?:\.\d+)?)?")
_DATETIME_SPLIT_RE = re.compile(r"\s*(?:T|\s)\s*(?=\d{1,2}\s*:)")
_ISO_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MULTI_SPLIT_RE = re.compile(r"[,;\n、]")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CellError:
    """A problem with one cell (or one whole row, ``column == ""``) of an imported file.

    ``row`` is the Excel row number (the header is row 1; 0 for the file itself) and
    ``column`` the Excel column letter.
    """

    row: int
    column: str
    field: str
    title: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return f"{self.title}: {self.message}" if self.title else self.message
        if not self.column:
            if self.title:
                return _("%(row)s행(%(title)s): %(problem)s", row=self.row, title=self.title,
                         problem=self.message)
            return _("%(row)s행: %(problem)s", row=self.row, problem=self.message)
        return _("%(row)s행 %(column)s열(%(title)s): %(problem)s", row=self.row,
                 column=self.column, title=self.title, problem=self.message)


@dataclass(frozen=True)
class ImportResult:
    """The records of an import, or (all or nothing) the reasons there are none."""

    records: tuple[dict, ...]
    errors: tuple[CellError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def _file_error() -> ImportResult:
    return ImportResult((), (CellError(0, "", "", _("파일"), str(FILE_ERROR_MESSAGE)),))


# --------------------------------------------------------------------------- shared helpers


def import_fields(form: FormDef) -> tuple[Field, ...]:
    """The top-level fields an import fills: scalars and multi-choices people type in.

    Read-only and computed fields, files, hidden fields, rows and groups are left out.
    """
    return tuple(
        item for item in field_tree(form).fields
        if (item.kind in SCALAR_KINDS or item.kind in MULTI_KINDS)
        and item.kind not in _NOT_IMPORTABLE_KINDS
        and not item.readonly and not item.computed
    )


def _header_labels(fields: Sequence[Field]) -> dict[str, str]:
    """The header of each field: its title, or ``title (name)`` when two fields share one."""
    counts: dict[str, int] = {}
    for item in fields:
        counts[item.title] = counts.get(item.title, 0) + 1
    return {item.name: item.title if counts[item.title] == 1 else f"{item.title} ({item.name})"
            for item in fields}


def sheet_title(title: str) -> str:
    """``title`` made a valid worksheet name (no ``[]:*?/\\``, at most 31 characters)."""
    name = _SHEET_NAME_BAD.sub(" ", _clean_text(title or "")).strip().strip("'").strip()
    name = re.sub(r"\s+", " ", name)[:31].strip()
    return name or "Sheet1"


def _clean_text(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_CELL_TEXT]


def _text_width(text: str) -> int:
    """Display width in Excel character units: Hangul and other wide characters count two."""
    longest = 0
    for line in str(text).split("\n"):
        width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        longest = max(longest, width)
    return longest


def _local(value: dt.datetime) -> dt.datetime:
    """A datetime Excel can hold: aware ones in Korean time, then without the zone."""
    if value.tzinfo is not None:
        value = value.astimezone(DISPLAY_TZ).replace(tzinfo=None)
    return value


def _parse_iso_datetime(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def _parse_iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


# --------------------------------------------------------------------------- export


def export_xlsx(title: str, columns: Sequence[Field], rows: Iterable[Mapping[str, Any]], *,
                extra_columns: Sequence[tuple[str, str]] = ()) -> bytes:
    """Records as a one-sheet workbook, values shown as people read them.

    ``columns`` are the fields to show (``Field.path`` is looked up in each row mapping);
    ``extra_columns`` are ``(key, header)`` pairs read from each row and placed first (for
    instance ``("_updated_at", "수정일시")``). Rows are streamed (write-only workbook); the
    column widths are judged from the header and the first rows.
    """
    columns = tuple(columns)
    extras = tuple(extra_columns)
    headers = [header for _key, header in extras] + [item.title for item in columns]
    kinds: list[str | None] = [None] * len(extras) + [item.kind for item in columns]

    def values_of(row: Mapping[str, Any]) -> list[Any]:
        values = [_display_value(row.get(key), None) for key, _ in extras]
        values.extend(_export_value(item, _lookup(row, item.path)) for item in columns)
        return values

    remaining = iter(rows)
    sample = [values_of(row) for row in itertools.islice(remaining, _WIDTH_SAMPLE)]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    for index, header in enumerate(headers):
        width = max(_text_width(header) + 4, _KIND_WIDTHS.get(kinds[index] or "", 0))
        for values in sample:
            width = max(width, _value_width(values[index]) + 2)
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = min(max(width, _MIN_WIDTH), _MAX_WIDTH)
    sheet.freeze_panes = "A2"

    count = 0
    if headers:
        sheet.append([_header_cell(sheet, header) for header in headers])
        for values in itertools.chain(sample, (values_of(row) for row in remaining)):
            sheet.append([_cell(sheet, value) for value in values])
            count += 1
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _lookup(row: Mapping[str, Any], path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _export_value(item: Field, value: Any) -> Any:
    """The value of ``item`` as an Excel cell value (str, number, date, datetime or None)."""
    if value is None or value == "":
        return None
    kind = item.kind
    if kind in SINGLE_CHOICE_KINDS:
        return _clean_text(item.label_of(value))
    if kind in MULTI_KINDS:
        values = value if isinstance(value, list | tuple) else [value]
        return _clean_text(", ".join(item.label_of(one) for one in values)) or None
    if kind == "rows":
        return f"{len(value) if isinstance(value, list | tuple) else 0}건"
    if kind == "group" and isinstance(value, Mapping):
        parts = []
        for child in item.children:
            shown = _export_value(child, value.get(child.name))
            if shown is not None:
                parts.append(f"{child.title}: {_as_text(shown)}")
        return _clean_text(", ".join(parts)) or None
    if kind == "file":
        return _clean_text(_file_text(value)) or None
    return _display_value(value, kind)


def _display_value(value: Any, kind: str | None) -> Any:
    """A plain value as a cell value; ``kind`` None guesses dates from ISO strings."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "예" if value else "아니오"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.date() if kind == "date" else _local(value)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        if kind == "date" or (kind is None and _ISO_DATE_RE.fullmatch(value)):
            parsed = _parse_iso_date(value)
            if parsed is not None:
                return parsed
        elif kind == "datetime" or (kind is None and _ISO_DATETIME_RE.match(value)):
            parsed_dt = _parse_iso_datetime(value)
            if parsed_dt is not None:
                return _local(parsed_dt)
        return _clean_text(value)
    if isinstance(value, list | tuple):
        return _clean_text(", ".join(_as_text(_display_value(one, None)) for one in value))
    if isinstance(value, Mapping):
        return _clean_text(", ".join(f"{key}: {_as_text(_display_value(one, None))}"
                                     for key, one in value.items()))
    return _clean_text(str(value))


def _file_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_file_text(one) for one in value)
    if isinstance(value, Mapping):
        for key in ("name", "filename", "original_name", "title"):
            if value.get(key):
                return str(value[key])
        return "파일"
    return str(value)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _value_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, int | float):
        return len(f"{value:,}") if isinstance(value, int) else len(str(value))
    return _text_width(_as_text(value))


def _header_cell(sheet: Any, header: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=_clean_text(header))
    cell.data_type = "s"
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    return cell


def _cell(sheet: Any, value: Any) -> Any:
    """A plain value, or a cell when it needs a number format or must stay text."""
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, dt.time):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = TIME_FORMAT
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text that looks like a formula stays text
        return cell
    return value


# --------------------------------------------------------------------------- template


_KIND_NAMES = {
    "text": "글자", "textarea": "긴 글", "integer": "정수", "number": "숫자",
    "boolean": "예/아니오", "date": "날짜 (예: 2026-03-01)",
    "datetime": "날짜와 시각 (예: 2026-03-01 14:30)", "time": "시각 (예: 14:30)",
    "select": "목록에서 하나 선택", "radio": "목록에서 하나 선택",
    "checkboxes": "여러 개 선택 (쉼표로 구분)", "multiselect": "여러 개 선택 (쉼표로 구분)",
    "rrn": "주민등록번호 (예: 000000-0000000)", "phone": "전화번호 (예: 010-1234-5678)",
}


def _format_text(item: Field) -> str:
    """The 형식 of a field as the guide and the header comment describe it."""
    text = _KIND_NAMES.get(item.kind, "글자")
    schema = item.schema
    if item.kind in ("integer", "number"):
        low, high = schema.get("minimum"), schema.get("maximum")
        low_x, high_x = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        limits = []
        if low is not None:
            limits.append(f"{_number_text(low)} 이상")
        if low_x is not None:
            limits.append(f"{_number_text(low_x)} 초과")
        if high is not None:
            limits.append(f"{_number_text(high)} 이하")
        if high_x is not None:
            limits.append(f"{_number_text(high_x)} 미만")
        if limits:
            text += f" ({', '.join(limits)})"
    elif item.kind in TEXT_KINDS and item.max_length:
        text += f" (최대 {item.max_length}자)"
    return text


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _choices_text(item: Field) -> str:
    if item.kind == "boolean":
        return "예, 아니오"
    return ", ".join(label for _key, label in item.options)


def template_xlsx(form: FormDef) -> bytes:
    """An empty import workbook for ``form``: sheet "입력" to fill in, sheet "안내" to read.

    Required headers end in ``" *"``; each header has a comment with its format and choices;
    choice and yes/no columns get dropdown lists of the Korean labels.
    """
    fields = import_fields(form)
    labels = _header_labels(fields)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = IMPORT_SHEET
    options_sheet = None
    option_columns = 0
    last_row = TEMPLATE_ROWS + 1

    for index, item in enumerate(fields, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index,
                          value=labels[item.name] + (REQUIRED_MARK if item.required else ""))
        cell.font = _REQUIRED_FONT if item.required else _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        note = [f"{labels[item.name]}{' (필수)' if item.required else ''}",
                f"형식: {_format_text(item)}"]
        if item.kind in CHOICE_AND_BOOLEAN:
            note.append(f"선택값: {_choices_text(item)}")
        if item.help:
            note.append(str(item.help))
        comment = Comment("\n".join(note), "이음")
        comment.width = 300
        comment.height = 40 + 20 * len(note)
        cell.comment = comment

        width = max(_text_width(cell.value) + 4, _KIND_WIDTHS.get(item.kind, 14))
        if item.options:
            width = max(width, max(_text_width(label) for _key, label in item.options) + 4)
        sheet.column_dimensions[letter].width = min(max(width, _MIN_WIDTH), 40)
        number_format = {"date": DATE_FORMAT, "datetime": DATETIME_FORMAT,
                         "time": TIME_FORMAT}.get(item.kind)
        if item.kind in TEXT_KINDS:
            number_format = TEXT_FORMAT
        if number_format:
            sheet.column_dimensions[letter].number_format = number_format

        choices = ([label for _key, label in item.options] if item.kind in SINGLE_CHOICE_KINDS
                   else ["예", "아니오"] if item.kind == "boolean" else None)
        if choices:
            inline = '"' + ",".join(choices) + '"'
            if len(inline) <= _INLINE_LIST_LIMIT and not any(
                    "," in label or '"' in label for label in choices):
                formula = inline
            else:
                if options_sheet is None:
                    options_sheet = workbook.create_sheet(OPTIONS_SHEET)
                    options_sheet.sheet_state = "hidden"
                option_columns += 1
                column = option_columns
                options_sheet.cell(row=1, column=column, value=labels[item.name])
                for offset, label in enumerate(choices, start=2):
                    options_sheet.cell(row=offset, column=column, value=label)
                col = get_column_letter(column)
                formula = f"'{OPTIONS_SHEET}'!${col}$2:${col}${len(choices) + 1}"
            validation = DataValidation(
                type="list", formula1=formula, allow_blank=True, showDropDown=False,
                showErrorMessage=True, errorTitle="선택값 오류",
                error=f"{labels[item.name]}: 목록에 있는 값을 선택하세요."[:255],
            )
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)

    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 22
    _write_guide(workbook.create_sheet(GUIDE_SHEET, 1), fields, labels)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_guide(sheet: Any, fields: Sequence[Field], labels: Mapping[str, str]) -> None:
    headers = ("항목", "필수", "형식", "선택값", "설명")
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for item in fields:
        sheet.append((labels[item.name], "예" if item.required else "아니오", _format_text(item),
                      _choices_text(item) if item.kind in CHOICE_AND_BOOLEAN else "",
                      str(item.help or "")))
    sheet.append(())
    for line in (
        f"※ '{IMPORT_SHEET}' 시트의 2행부터 한 행에 한 건씩 입력하세요. 1행(항목 이름)은 "
        "고치지 마세요.",
        "※ 항목 이름 뒤에 * 가 붙은 항목은 반드시 입력해야 합니다.",
        "※ 여러 개를 고르는 항목은 선택값을 쉼표(,)로 구분해 입력하세요.",
        "※ 한 행이라도 오류가 있으면 아무것도 등록되지 않습니다. 오류를 고친 뒤 다시 올리세요.",
    ):
        sheet.append((line,))
    for letter, width in zip("ABCDE", (24, 8, 36, 40, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


# --------------------------------------------------------------------------- import


class _Invalid(ValueError):
    """A cell that cannot be converted; the message is for people."""


class _TooManyRows(Exception):
    def __init__(self, row: int) -> None:
        super().__init__(row)
        self.row = row


def read_xlsx(form: FormDef, content: bytes,
              validate: Callable[[dict], Mapping[str, Sequence[str]]], *,
              max_rows: int = 5000) -> ImportResult:
    """The records of an import file for ``form``, or every reason it cannot be imported.

    Reads the first sheet: row 1 is the header (Korean titles, with or without the ``" *"``
    mark, or field names), every further non-empty row one record. Cells are converted by
    field kind to JSON values, then ``validate(record)`` (``{field_path: [messages]}``) is
    asked about each record. Any error means no records (all or nothing). A file that is not
    a readable .xlsx gives one error with ``row == 0``; this never raises for bad input.
    """
    try:
        header, data = _read_sheet(content, max_rows)
    except _TooManyRows as exc:
        return ImportResult((), (CellError(
            exc.row, "", "", _("행 수"),
            _("한 번에 %(limit)s건까지 가져올 수 있습니다", limit=f"{max_rows:,}")),))
    except Exception:  # openpyxl raises many kinds of errors for broken files
        return _file_error()

    fields = import_fields(form)
    labels = _header_labels(fields)
    tree_fields = {item.name: item for item in field_tree(form).fields}
    columns, unnamed, errors = _match_header(header, fields, labels, tree_fields)
    if errors:
        return ImportResult((), tuple(errors))
    letter_of = {item.name: get_column_letter(index + 1) for index, item in columns}
    position = {item.name: index for index, item in columns}

    records: list[dict] = []
    for row_number, values in data:
        record: dict[str, Any] = {}
        failed: set[str] = set()
        row_errors: list[tuple[int, CellError]] = []
        for index, item in columns:
            raw = values[index] if index < len(values) else None
            if _is_empty(raw):
                continue
            try:
                record[item.name] = _convert(item, raw)
            except _Invalid as exc:
                failed.add(item.name)
                row_errors.append((index, CellError(
                    row_number, letter_of[item.name], item.name, labels[item.name], str(exc))))
        for index in itertools.chain(unnamed, range(len(header), len(values))):
            if index < len(values) and not _is_empty(values[index]):
                row_errors.append((index, CellError(
                    row_number, get_column_letter(index + 1), "", "",
                    _("항목 이름(1행)이 없는 열에 값이 있습니다"))))
        problems = validate(record) or {}
        for path, messages in problems.items():
            name = str(path).split(".", 1)[0] if path else ""
            if name in failed:
                continue
            item = tree_fields.get(name)
            title = labels.get(name) or (item.title if item else name)
            letter = letter_of.get(name, "")
            order = position.get(name, len(values) + 1 if name else len(values) + 2)
            for message in [messages] if isinstance(messages, str) else messages:
                error = CellError(row_number, letter, name, title, str(message))
                if all(error != known for _key, known in row_errors):
                    row_errors.append((order, error))
        row_errors.sort(key=lambda entry: entry[0])
        errors.extend(error for _key, error in row_errors)
        records.append(record)

    if errors:
        return ImportResult((), tuple(errors))
    return ImportResult(tuple(records), ())


def _read_sheet(content: bytes, max_rows: int) -> tuple[tuple[Any, ...], list[tuple[int, tuple]]]:
    """The header row and the non-empty data rows (with their Excel row numbers)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
            raise ValueError("archive too large")
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record wrong dimensions
        rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        header = tuple(next(rows, ()) or ())
        data: list[tuple[int, tuple]] = []
        for row_number, values in enumerate(rows, start=2):
            if all(_is_empty(value) for value in values):
                continue
            if len(data) >= max_rows:
                raise _TooManyRows(row_number)
            data.append((row_number, tuple(values)))
        return header, data
    finally:
        workbook.close()


def _normal_header(value: Any) -> str:
    text = re.sub(r"\s+", " ", str(value)).strip()
    while text.endswith("*"):
        text = text[:-1].rstrip()
    return text


def _match_header(header: Sequence[Any], fields: Sequence[Field], labels: Mapping[str, str],
                  tree_fields: Mapping[str, Field],
                  ) -> tuple[list[tuple[int, Field]], list[int], list[CellError]]:
    """Header cells matched to fields: (column index, field) pairs, unnamed columns, errors."""
    importable = {item.name: item for item in fields}
    by_label = {labels[item.name]: item for item in fields}
    by_name = dict(importable)
    title_counts: dict[str, int] = {}
    for item in fields:
        title_counts[item.title] = title_counts.get(item.title, 0) + 1
    by_title = {item.title: item for item in fields if title_counts[item.title] == 1}
    other_titles = {item.title: item for item in tree_fields.values()
                    if item.name not in importable}

    columns: list[tuple[int, Field]] = []
    unnamed: list[int] = []
    errors: list[CellError] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(header):
        letter = get_column_letter(index + 1)
        if _is_empty(raw):
            unnamed.append(index)
            continue
        text = _normal_header(raw)
        item = by_label.get(text) or by_name.get(text) or by_title.get(text)
        if item is None:
            other = tree_fields.get(text) or other_titles.get(text)
            if other is not None:
                errors.append(CellError(
                    1, letter, other.name, text,
                    _("가져올 수 없는 항목입니다 (자동 계산·읽기 전용·첨부 등)")))
            else:
                errors.append(CellError(1, letter, "", text,
                                        _("알 수 없는 항목입니다: %(header)s", header=text)))
            continue
        if item.name in seen:
            errors.append(CellError(1, letter, item.name, labels[item.name],
                                    _("같은 항목의 열이 두 번 있습니다 (%(column)s열)",
                                      column=seen[item.name])))
            continue
        seen[item.name] = letter
        columns.append((index, item))

    if not columns and not errors:
        errors.append(CellError(1, "", "", _("머리글"),
                                _("1행에 항목 이름이 없습니다. 가져오기 양식을 사용하세요")))
        return columns, unnamed, errors
    for item in fields:
        if item.required and item.name not in seen:
            errors.append(CellError(1, "", item.name, labels[item.name],
                                    _("필수 항목의 열이 없습니다")))
    return columns, unnamed, errors


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------- cell conversion


def _convert(item: Field, value: Any) -> Any:
    """One non-empty cell as the JSON value of ``item``; raises :class:`_Invalid`."""
    kind = item.kind
    if kind == "integer":
        return _to_integer(value)
    if kind == "number":
        return _to_number(value)
    if kind == "boolean":
        return _to_boolean(value)
    if kind == "date":
        return _to_date(value).isoformat()
    if kind == "datetime":
        if item.schema.get("format") == clock.RFC_DATE_TIME:
            return clock.store_datetime(item.schema, _to_datetime(value))
        return _to_datetime(value).isoformat(timespec="seconds")
    if kind == "time":
        return clock.store_time(item.schema, _to_time(value))
    if kind in SINGLE_CHOICE_KINDS:
        return _to_choice(item, value)
    if kind in MULTI_KINDS:
        return _to_choices(item, value)
    return _to_text(value)


def _to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()


def _decimal(value: Any) -> Decimal:
    """A cell as a finite Decimal: numeric cells, or text such as ``"1,000"``."""
    if isinstance(value, bool) or isinstance(value, dt.date | dt.time | dt.timedelta):
        raise _Invalid(_("숫자가 아닙니다"))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Invalid(_("숫자가 아닙니다"))
        return Decimal(repr(value))
    text = re.sub(r"[\s,]", "", str(value))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _Invalid(_("숫자가 아닙니다")) from None
    if not number.is_finite():
        raise _Invalid(_("숫자가 아닙니다"))
    return number


def _to_integer(value: Any) -> int:
    number = _decimal(value)
    if number != number.to_integral_value():
        raise _Invalid(_("정수가 아닙니다 (소수점 없이 입력하세요)"))
    return int(number)


def _to_number(value: Any) -> int | float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        _decimal(value)  # refuses NaN and infinities
        return value
    number = _decimal(value)
    if number == number.to_integral_value() and "." not in str(value) \
            and "e" not in str(value).lower():
        return int(number)
    return float(number)


def _to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Invalid(_("예 또는 아니오로 입력하세요"))


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    elif isinstance(value, float) and value.is_integer():
        value = str(int(value))
    if not isinstance(value, str):
        raise _Invalid(str(DATE_ERROR))
    return _date_from_text(value.strip())


def _date_from_text(text: str) -> dt.date:
    match = _DATE_RE.fullmatch(text) or _COMPACT_DATE_RE.fullmatch(text)
    if not match:
        raise _Invalid(str(DATE_ERROR))
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise _Invalid(_("없는 날짜입니다: %(text)s", text=text)) from None


def _to_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return _local(value).replace(microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if not isinstance(value, str):
        raise _Invalid(str(DATETIME_ERROR))
    text = value.strip()
    parsed = _parse_iso_datetime(text)
    if parsed is not None:
        return _local(parsed).replace(microsecond=0)
    parts = _DATETIME_SPLIT_RE.split(text, maxsplit=1)
    try:
        day = _date_from_text(parts[0])
        moment = _time_from_text(parts[1]) if len(parts) > 1 else dt.time()
    except _Invalid:
        raise _Invalid(str(DATETIME_ERROR)) from None
    return dt.datetime.combine(day, moment)


def _to_time(value: Any) -> dt.time:
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.timedelta) and dt.timedelta() <= value < dt.timedelta(days=1):
        seconds = round(value.total_seconds())
        return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    if not isinstance(value, str):
        raise _Invalid(str(TIME_ERROR))
    return _time_from_text(value.strip())


def _time_from_text(text: str) -> dt.time:
    match = _TIME_RE.fullmatch(text)
    if not match:
        raise _Invalid(str(TIME_ERROR))
    hour, minute, second = (int(part) if part else 0 for part in match.groups())
    try:
        return dt.time(hour, minute, second)
    except ValueError:
        raise _Invalid(str(TIME_ERROR)) from None



def _choice_key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _match_option(item: Field, text: str) -> tuple[bool, Any]:
    for option, label in item.options:
        if label.strip() == text:
            return True, option
    for option, _label in item.options:
        if _choice_key(option) == text:
            return True, option
    folded = text.casefold()
    for option, label in item.options:
        if label.strip().casefold() == folded or _choice_key(option).casefold() == folded:
            return True, option
    return False, None


def _allowed(item: Field) -> str:
    labels = [label for _value, label in item.options]  # as typed in the file: Korean
    shown = ", ".join(labels[:10])
    if len(labels) > 10:
        return _("(가능한 값: %(values)s 등)", values=shown)
    return _("(가능한 값: %(values)s)", values=shown)


def _to_choice(item: Field, value: Any) -> Any:
    text = _choice_key(value)
    found, option = _match_option(item, text)
    if not found:
        raise _Invalid(_("선택할 수 있는 값이 아닙니다: %(text)s %(allowed)s", text=text,
                         allowed=_allowed(item)))
    return option


def _to_choices(item: Field, value: Any) -> list[Any]:
    parts = [value] if not isinstance(value, str) else _MULTI_SPLIT_RE.split(value)
    chosen: list[Any] = []
    unknown: list[str] = []
    for part in parts:
        text = _choice_key(part)
        if not text:
            continue
        found, option = _match_option(item, text)
        if not found:
            unknown.append(text)
        elif option not in chosen:
            chosen.append(option)
    if unknown:
        raise _Invalid(_("선택할 수 있는 값이 아닙니다: %(text)s %(allowed)s",
                         text=", ".join(unknown), allowed=_allowed(item)))
    return chosen
