"""Pieces shared by every part of the OpenAPI document (core, catalog, packages' APIs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}

ERROR_TITLES = {400: "입력값 오류 (fields: 항목별 메시지)", 401: "인증 필요", 403: "권한 없음",
                404: "없음 (다른 기관의 자료 포함)",
                409: "다른 사용자가 먼저 수정함 또는 마감된 기간", 413: "파일이 너무 큼",
                429: "요청이 너무 잦음 (로그인·토큰 발급 횟수 제한)"}


def responses(ok: str, schema: Mapping[str, Any] | None, *codes: int,
              titles: Mapping[int, str] | None = None) -> dict[str, Any]:
    """The ``responses`` of an operation: ``ok`` with ``schema``, and an Error body for 400
    (any request can be malformed, e.g. a NUL character) and each of ``codes``; ``titles``
    overrides the description of a code where the operation means something narrower."""
    described = {**ERROR_TITLES, **(titles or {})}
    result: dict[str, Any] = {ok: {"description": "성공"}}
    if schema is not None:
        result[ok]["content"] = {"application/json": {"schema": dict(schema)}}
    for code in sorted({400, *codes}):
        result[str(code)] = {"description": described[code],
                             "content": {"application/json": {"schema": ERROR}}}
    return result
