"""The OpenAPI document is honest about formats and names every operation stably."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator, FormatChecker

from ieum.definitions import load_registry
from ieum.web.openapi import document, operation_id
from tests.conftest import TEST_CONTENT

METHODS = {"get", "post", "put", "patch", "delete"}


def operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_has_a_unique_operation_id(lab_client) -> None:
    doc = lab_client.get("/api/v1/openapi.json").get_json()
    ids = [operation.get("operationId") for _, _, operation in operations(doc)]
    assert ids and all(isinstance(i, str) and re.fullmatch(r"[A-Za-z0-9_]+", i) for i in ids)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_operation_ids_are_stable() -> None:
    """Named from method and path only: the same whatever content is loaded, and these
    (clients generated from the document depend on them) do not change."""
    assert operation_id("post", "/api/v1/auth/token") == "post_auth_token"
    assert operation_id("get", "/api/v1/f/{facility_code}/u/{unit_id}/{form_id}/records/"
                               "{record_id}") == \
        "get_f_by_facility_code_u_by_unit_id_by_form_id_records_by_record_id"
    shipped = document(load_registry([str(TEST_CONTENT)], plugins=False))
    again = document(load_registry([str(TEST_CONTENT)], plugins=False))
    first = {(p, m): o["operationId"] for p, m, o in operations(shipped)}
    assert first == {(p, m): o["operationId"] for p, m, o in operations(again)}
    assert first[("/api/v1/me", "get")] == "get_me"


def test_form_time_formats_are_stated_so_a_generic_client_agrees(lab_client) -> None:
    doc = lab_client.get("/api/v1/openapi.json").get_json()
    casebook = doc["components"]["schemas"]["form.casebook"]
    visited = casebook["properties"]["visited_at"]
    assert visited["format"] == "local-date-time" and visited["pattern"]
    plain = Draft202012Validator(visited, format_checker=FormatChecker())
    assert plain.is_valid("2026-03-01T09:30")
    assert not plain.is_valid("09:30")
    record = doc["components"]["schemas"]["Record"]["properties"]["created_at"]
    assert record["format"] == "date-time"  # RFC 3339 (api.py adds the offset)
