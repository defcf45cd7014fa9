"""Korean messages for JSON Schema validation errors, keyed by the failing keyword."""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import ValidationError

REQUIRED = "필수 입력 항목입니다"
INVALID_CHOICE = "선택할 수 있는 값이 아닙니다"
INVALID = "입력값이 올바르지 않습니다"
RRN_SHAPE = "주민등록번호 형식이 올바르지 않습니다 (예: 000000-0000000)"

_TYPE_NAMES = {
    "integer": "정수를 입력하세요",
    "number": "숫자를 입력하세요",
    "string": "글자로 입력하세요",
    "boolean": "예 또는 아니오로 입력하세요",
    "array": "목록으로 입력하세요",
    "object": "항목 묶음으로 입력하세요",
    "null": "값이 없어야 합니다",
}

_FORMATS = {
    "date": "날짜 형식이 올바르지 않습니다 (예: 2026-03-01)",
    "date-time": "날짜와 시각 형식이 올바르지 않습니다 (예: 2026-03-01T09:30:00+09:00)",
    "time": "시각 형식이 올바르지 않습니다 (예: 09:30:00+09:00)",
    "local-date-time": "날짜와 시각 형식이 올바르지 않습니다 (예: 2026-03-01T09:30)",
    "local-time": "시각 형식이 올바르지 않습니다 (예: 09:30)",
    "email": "이메일 주소 형식이 올바르지 않습니다",
}


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def _type_message(expected: Any) -> str:
    if isinstance(expected, (list, tuple)):
        expected = next((t for t in expected if t != "null"), "string")
    return _TYPE_NAMES.get(expected, INVALID)


def message_for(error: ValidationError, ui_placeholder: str | None = None) -> str:
    """The Korean message for one ``jsonschema`` error."""
    keyword = error.validator
    value = error.validator_value
    if keyword == "required":
        return REQUIRED
    if keyword == "type":
        return _type_message(value)
    if keyword == "minimum":
        return f"{_number(value)} 이상이어야 합니다"
    if keyword == "maximum":
        return f"{_number(value)} 이하여야 합니다"
    if keyword == "exclusiveMinimum":
        return f"{_number(value)}보다 커야 합니다"
    if keyword == "exclusiveMaximum":
        return f"{_number(value)}보다 작아야 합니다"
    if keyword == "multipleOf":
        return f"{_number(value)} 단위로 입력하세요"
    if keyword == "minLength":
        return REQUIRED if value == 1 else f"{value}자 이상 입력하세요"
    if keyword == "maxLength":
        return f"{value}자 이하로 입력하세요"
    if keyword == "pattern":
        example = f" (예: {ui_placeholder})" if ui_placeholder else ""
        return f"형식이 올바르지 않습니다{example}"
    if keyword == "format":
        return _FORMATS.get(value, INVALID)
    if keyword in ("enum", "const", "oneOf", "anyOf"):
        return INVALID_CHOICE
    if keyword == "minItems":
        return f"{value}개 이상 입력하세요"
    if keyword == "maxItems":
        return f"{value}개 이하로 입력하세요"
    if keyword == "uniqueItems":
        return "같은 값을 두 번 넣을 수 없습니다"
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        return "양식에 없는 항목입니다"
    return INVALID
