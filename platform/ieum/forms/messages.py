"""Korean messages for JSON Schema validation errors, keyed by the failing keyword.

Each message is made in the request's language (:mod:`ieum.i18n`); outside a request (the CLI,
a job) it is Korean. The constants are lazy: ``str()`` them where a message is made."""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import ValidationError

from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l

REQUIRED = _l("필수 입력 항목입니다")
INVALID_CHOICE = _l("선택할 수 있는 값이 아닙니다")
INVALID = _l("입력값이 올바르지 않습니다")
RRN_SHAPE = _l("주민등록번호 형식이 올바르지 않습니다 (예: 000000-0000000)")

_TYPE_NAMES = {
    "integer": _l("정수를 입력하세요"),
    "number": _l("숫자를 입력하세요"),
    "string": _l("글자로 입력하세요"),
    "boolean": _l("예 또는 아니오로 입력하세요"),
    "array": _l("목록으로 입력하세요"),
    "object": _l("항목 묶음으로 입력하세요"),
    "null": _l("값이 없어야 합니다"),
}

_FORMATS = {
    "date": _l("날짜 형식이 올바르지 않습니다 (예: 2026-03-01)"),
    "date-time": _l("날짜와 시각 형식이 올바르지 않습니다 (예: 2026-03-01T09:30:00+09:00)"),
    "time": _l("시각 형식이 올바르지 않습니다 (예: 09:30:00+09:00)"),
    "local-date-time": _l("날짜와 시각 형식이 올바르지 않습니다 (예: 2026-03-01T09:30)"),
    "local-time": _l("시각 형식이 올바르지 않습니다 (예: 09:30)"),
    "email": _l("이메일 주소 형식이 올바르지 않습니다"),
}


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def _type_message(expected: Any) -> str:
    if isinstance(expected, (list, tuple)):
        expected = next((t for t in expected if t != "null"), "string")
    return str(_TYPE_NAMES.get(expected, INVALID))


def message_for(error: ValidationError, ui_placeholder: str | None = None) -> str:
    """The Korean message for one ``jsonschema`` error."""
    keyword = error.validator
    value = error.validator_value
    if keyword == "required":
        return str(REQUIRED)
    if keyword == "type":
        return _type_message(value)
    if keyword == "minimum":
        return _("%(n)s 이상이어야 합니다", n=_number(value))
    if keyword == "maximum":
        return _("%(n)s 이하여야 합니다", n=_number(value))
    if keyword == "exclusiveMinimum":
        return _("%(n)s보다 커야 합니다", n=_number(value))
    if keyword == "exclusiveMaximum":
        return _("%(n)s보다 작아야 합니다", n=_number(value))
    if keyword == "multipleOf":
        return _("%(n)s 단위로 입력하세요", n=_number(value))
    if keyword == "minLength":
        return str(REQUIRED) if value == 1 else _("%(n)s자 이상 입력하세요", n=value)
    if keyword == "maxLength":
        return _("%(n)s자 이하로 입력하세요", n=value)
    if keyword == "pattern":
        if ui_placeholder:
            return _("형식이 올바르지 않습니다 (예: %(example)s)", example=ui_placeholder)
        return _("형식이 올바르지 않습니다")
    if keyword == "format":
        return str(_FORMATS.get(value, INVALID))
    if keyword in ("enum", "const", "oneOf", "anyOf"):
        return str(INVALID_CHOICE)
    if keyword == "minItems":
        return _("%(n)s개 이상 입력하세요", n=value)
    if keyword == "maxItems":
        return _("%(n)s개 이하로 입력하세요", n=value)
    if keyword == "uniqueItems":
        return _("같은 값을 두 번 넣을 수 없습니다")
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        return _("양식에 없는 항목입니다")
    return str(INVALID)
