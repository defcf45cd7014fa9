"""마감 관리: an administrator closes a unit function through a date; records dated on or before
it can no longer be created, changed or deleted (409 naming the date); reopening needs a
reason; every change is audited."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from sqlalchemy import select

from ieum.access.audit import Actor
from ieum.services import ServiceError
from ieum.services.records.closings import set_closing
from ieum.services.workspace import open_workspace
from ieum.store.models import AuditEvent, Closing, User
from tests.formlab import API, GOOD, TODAY, api_token, seed_lab
from tests.webutil import csrf_token, login

CLOSINGS = "/f/lab/admin/closings"


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    return app


def client_for(app, login_name: str):
    client = app.test_client()
    assert login(client, login_name).status_code == 302
    return client


def close(client, day: str, reason: str | None = None, unit: str = "casebook"):
    data = {"csrf_token": csrf_token(client, CLOSINGS), "closed_through": day}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"{CLOSINGS}/{unit}", data=data)


def closed_through(app) -> dt.date | None:
    with app.extensions["ieum.database"].session() as s:
        return s.scalar(select(Closing.closed_through).where(Closing.unit_function == "casebook"))


def closing_events(app) -> list[AuditEvent]:
    with app.extensions["ieum.database"].session() as s:
        found = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "closing.set")
                               .order_by(AuditEvent.id)))
        s.expunge_all()
        return found


def create(client, headers, day: str):
    return client.post(f"{API}/records", headers=headers,
                       json={"data": {**GOOD, "written_on": day}})


def test_the_screen_lists_each_unit_of_the_menu_with_its_closing(app) -> None:
    admin = client_for(app, "admin")
    page = admin.get(CLOSINGS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "마감 관리" in html and 'data-unit="casebook"' in html and "자립지원 기록" in html
    assert "마감 없음" in html
    assert close(admin, "2026-02-28").status_code == 302
    html = admin.get(CLOSINGS).get_data(as_text=True)
    assert "2026-02-28까지 마감했습니다." in html and 'value="2026-02-28"' in html
    assert "마감 없음" not in html and "admin" in html  # who set it


def test_closing_refuses_records_dated_on_or_before_it_through_the_api(app) -> None:
    client = app.test_client()
    headers = api_token(client, "admin")
    early = create(client, headers, "2026-02-15").get_json()
    kept = create(client, headers, "2026-03-01").get_json()
    assert close(client_for(app, "admin"), "2026-02-28").status_code == 302
    assert closed_through(app) == dt.date(2026, 2, 28)

    for day in ("2026-02-28", "2026-01-31"):
        refused = create(client, headers, day)
        assert refused.status_code == 409, refused.get_json()
        assert "2026-02-28까지 마감된 기간입니다" in refused.get_json()["error"]
    changed = client.put(f"{API}/records/{early['id']}", headers=headers,
                         json={"data": {**GOOD, "written_on": "2026-03-01"}, "version": 1})
    assert changed.status_code == 409 and "2026-02-28" in changed.get_json()["error"]
    deleted = client.delete(f"{API}/records/{early['id']}?version=1", headers=headers)
    assert deleted.status_code == 409 and "2026-02-28" in deleted.get_json()["error"]
    into_closed = client.put(f"{API}/records/{kept['id']}", headers=headers,
                             json={"data": {**GOOD, "written_on": "2026-02-20"}, "version": 1})
    assert into_closed.status_code == 409 and "2026-02-28" in into_closed.get_json()["error"]

    assert create(client, headers, "2026-03-01").status_code == 201  # after the closing
    edited = client.put(f"{API}/records/{kept['id']}", headers=headers,
                        json={"data": {**GOOD, "title": "마감 뒤 수정"}, "version": 1})
    assert edited.status_code == 200, edited.get_json()
    assert client.delete(f"{API}/records/{kept['id']}?version=2",
                         headers=headers).status_code == 204


def test_closing_moves_forward_freely_but_reopening_needs_a_reason(app) -> None:
    admin = client_for(app, "admin")
    assert close(admin, "2026-01-31").status_code == 302
    assert close(admin, "2026-02-28").status_code == 302
    back = close(admin, "2026-01-31")
    assert back.status_code == 400
    html = unescape(back.get_data(as_text=True))
    assert "사유를 입력하세요" in html and 'data-testid="closing-error"' in html
    assert closed_through(app) == dt.date(2026, 2, 28)
    assert close(admin, "2026-01-31", reason="2월 기록 누락분 입력").status_code == 302
    assert closed_through(app) == dt.date(2026, 1, 31)
    same = close(admin, "2026-01-31")
    assert same.status_code == 302  # nothing to change, nothing audited
    details = [e.detail for e in closing_events(app)]
    assert [d["closed_through"] for d in details] == ["2026-01-31", "2026-02-28", "2026-01-31"]
    assert details[0]["previous"] is None and not details[0]["reopened"]
    assert details[2] == {"unit": "casebook", "closed_through": "2026-01-31",
                          "previous": "2026-02-28", "reopened": True,
                          "reason": "2월 기록 누락분 입력"}
    assert all(e.login == "admin" for e in closing_events(app))
    client = app.test_client()
    assert create(client, api_token(client, "admin"), "2026-02-15").status_code == 201


def test_a_closing_in_the_future_or_without_a_date_is_refused(app) -> None:
    admin = client_for(app, "admin")
    future = close(admin, "2026-03-03")
    assert future.status_code == 400
    assert "오늘(2026-03-02) 이후로 정할 수 없습니다" in future.get_data(as_text=True)
    assert close(admin, "").status_code == 400
    assert close(admin, "not-a-date").status_code == 400
    assert closed_through(app) is None and closing_events(app) == []


def test_only_administrators_close_and_only_units_of_the_menu(app) -> None:
    worker = client_for(app, "worker")
    assert worker.get(CLOSINGS).status_code == 403
    token = csrf_token(worker, "/f/lab/")
    assert worker.post(f"{CLOSINGS}/casebook", data={"csrf_token": token,
                                                     "closed_through": "2026-02-28"}
                       ).status_code == 403
    admin = client_for(app, "admin")
    assert close(admin, "2026-02-28", unit="people").status_code == 404  # not on lab's menu
    assert client_for(app, "stranger").get(CLOSINGS).status_code == 404  # not a member
    assert closed_through(app) is None


def test_the_service_refuses_non_administrators(app) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        worker = s.scalar(select(User).where(User.login == "worker"))
        ws = open_workspace(s, registry, worker, "lab", TODAY)
        with pytest.raises(ServiceError) as raised:
            set_closing(s, ws, "casebook", dt.date(2026, 2, 1), Actor(worker.id, worker.login))
        assert raised.value.status == 403
        admin = s.scalar(select(User).where(User.login == "admin"))
        ws = open_workspace(s, registry, admin, "lab", TODAY)
        closing = set_closing(s, ws, "casebook", dt.date(2026, 2, 1), Actor(admin.id, "admin"))
        assert closing.closed_through == dt.date(2026, 2, 1) and closing.set_by_id == admin.id
