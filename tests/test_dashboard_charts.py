"""The dashboard's charts: records per month within the user's facility-wide grants, subjects
by status; the SVG and its data table carry the same figures (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.services.records import activity
from ieum.services.workspace import open_workspace
from ieum.store.models import Record, Subject, User
from tests.webutil import PASSWORD, login

TODAY = dt.date(2026, 3, 20)


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        home = create_facility(s, registry, code="home", name="이음아동원",
                               profile_code="child_home", region_code="11110")
        other = create_facility(s, registry, code="other", name="다른아동원",
                                profile_code="child_home", region_code="11110")
        boss = create_user(s, login="boss", name="관리자", password=PASSWORD)
        worker = create_user(s, login="worker", name="복지사", password=PASSWORD)
        stranger = create_user(s, login="stranger", name="다른기관", password=PASSWORD)
        since = dt.date(2025, 1, 1)
        grant_role(s, registry, user=boss, facility=home, role="facility_admin", valid_from=since)
        grant_role(s, registry, user=worker, facility=home, role="worker", valid_from=since)
        grant_role(s, registry, user=stranger, facility=other, role="facility_admin",
                   valid_from=since)
        s.flush()

        def record(facility, unit, form, day, *, status="final", author=boss, deleted=False):
            s.add(Record(facility_id=facility.id, unit_function=unit, form_id=form,
                         form_version=1, data={}, status=status, entry_date=day,
                         author_id=author.id,
                         deleted_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC) if deleted else None))

        subjects = ("subject_management", "subject_basic")
        for day in ("2026-03-02", "2026-03-19", "2026-01-31", "2025-10-01"):
            record(home, *subjects, dt.date.fromisoformat(day))
        record(home, *subjects, dt.date(2025, 9, 30))               # seven months ago
        record(home, *subjects, dt.date(2026, 3, 5), status="draft")  # not saved yet
        record(home, *subjects, dt.date(2026, 3, 6), deleted=True)
        for _ in range(3):  # 안전점검: the worker sees only their own (scope own)
            record(home, "safety_check", "safety_inspection", dt.date(2026, 2, 10))
        for _ in range(5):  # another facility's
            record(other, *subjects, dt.date(2026, 3, 10), author=stranger)
        for status in ("입소", "입소", "퇴소"):
            s.add(Subject(facility_id=home.id, name="아동", status=status))
        s.add(Subject(facility_id=other.id, name="남의아동", status="입소"))
    return app


def _monthly(app, login_name: str) -> activity.MonthlyRecords:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        user = s.query(User).filter_by(login=login_name).one()
        code = "other" if login_name == "stranger" else "home"
        ws = open_workspace(s, registry, user, code, TODAY)
        return activity.monthly_records(s, registry, ws, TODAY)


def test_records_are_counted_per_month_only_where_the_user_sees_the_whole_facility(app) -> None:
    worker = _monthly(app, "worker")
    assert [(m.year, m.month) for m in worker.months] == [
        (2025, 10), (2025, 11), (2025, 12), (2026, 1), (2026, 2), (2026, 3)]
    # 대상자 기록 only: 안전점검 (scope own for a 사회복지사) is left out although the worker may
    # list their own; drafts, deleted records, older months and the other facility never count.
    assert [m.count for m in worker.months] == [1, 0, 0, 1, 0, 2]
    assert "subject_management" in worker.units and "safety_check" not in worker.units

    boss = _monthly(app, "boss")  # the administrator sees every unit: 안전점검 in February
    assert [m.count for m in boss.months] == [1, 0, 0, 1, 3, 2]
    assert "safety_check" in boss.units

    stranger = _monthly(app, "stranger")
    assert [m.count for m in stranger.months] == [0, 0, 0, 0, 0, 5]


def test_subjects_by_status_count_only_the_facilitys_subjects(app) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        user = s.query(User).filter_by(login="worker").one()
        ws = open_workspace(s, registry, user, "home", TODAY)
        assert activity.subjects_by_status(s, ws) == [("입소", 2), ("퇴소", 1)]


def _chart(page: str, chart_id: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """(aria-label, label → value drawn, label → value in the table) of one chart."""
    figure = page.split(f'data-chart="{chart_id}"')[1].split("</figure>")[0]
    svg = figure.split("</svg>")[0]
    label = re.search(r'aria-label="([^"]*)"', svg).group(1)
    assert f'aria-describedby="{chart_id}-data"' in svg and 'role="img"' in svg
    drawn = dict(re.findall(r'<g data-label="([^"]*)" data-value="([^"]*)"', svg))
    table = figure.split(f'id="{chart_id}-data"')[1]
    shown = dict(re.findall(r'<th scope="row"[^>]*>([^<]*)</th><td[^>]*data-value="([^"]*)"',
                            table))
    return label, drawn, shown


def test_the_dashboard_draws_the_figures_and_tables_them_alike(app) -> None:
    client = app.test_client()
    login(client, "worker")
    page = client.get("/f/home/").get_data(as_text=True)
    assert "최근 6개월 기록" in page and "대상자 현황" in page
    label, drawn, shown = _chart(page, "chart-monthly")
    assert drawn == shown == {"2025년 10월": "1", "2025년 11월": "0", "2025년 12월": "0",
                              "2026년 1월": "1", "2026년 2월": "0", "2026년 3월": "2"}
    assert "2026년 3월 2건" in label and "2026년 2월 0건" in label
    assert "내 기록·담당 기록만 볼 수 있는 업무의 기록은 세지 않습니다" in page
    label, drawn, shown = _chart(page, "chart-statuses")
    assert drawn == shown == {"입소": "2", "퇴소": "1"}
    assert label == "상태별 대상자 수: 입소 2명, 퇴소 1명"
    assert " style=" not in page.split('data-testid="monthly-records"')[1].split("</main>")[0]


def test_a_private_record_counts_only_for_those_who_may_list_it(lab_app) -> None:
    """The form lab's 열람자 (viewer) sees the whole facility's casebook but not its 비공개
    notes: the chart counts what the record list shows them, the administrator sees both."""
    from ieum.access.audit import Actor
    from ieum.services.records import ListQuery, list_records, open_form
    from tests.formlab import TODAY as LAB_TODAY

    registry = lab_app.extensions["ieum.registry"]
    with lab_app.extensions["ieum.database"].session() as s:
        admin = s.query(User).filter_by(login="admin").one()
        lab = open_workspace(s, registry, admin, "lab", LAB_TODAY).facility
        for private in (True, False, False):
            s.add(Record(facility_id=lab.id, unit_function="casebook", form_id="private_note",
                         form_version=1, data={"is_private": private}, status="final",
                         entry_date=LAB_TODAY, author_id=admin.id))
    with lab_app.extensions["ieum.database"].session() as s:
        for login_name, expected in (("viewer", 2), ("admin", 3)):
            user = s.query(User).filter_by(login=login_name).one()
            ws = open_workspace(s, registry, user, "lab", LAB_TODAY)
            counted = activity.monthly_records(s, registry, ws, LAB_TODAY).months[-1].count
            scope = open_form(registry, ws, "casebook", "private_note", LAB_TODAY,
                              Actor(user.id, user.login))
            listed = list_records(s, scope, ListQuery()).total
            assert counted == listed == expected, login_name
        worker = open_workspace(s, registry, s.query(User).filter_by(login="worker").one(),
                                "lab", LAB_TODAY)
        assert activity.monthly_records(s, registry, worker, LAB_TODAY).units == []


def test_the_chart_macros_handle_empty_zero_long_and_large_figures(
        make_app, sqlite_url, sqlite_template) -> None:
    from flask import render_template_string

    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url)
    source = ('{% import "_charts.html" as charts %}'
              '{{ charts.bar_chart("b", "빈 표", []) }}'
              '{{ charts.bar_chart("z", "영", [("없음", 0),'
              ' ("아주 긴 이름의 항목입니다 정말로", 0)]) }}'
              '{{ charts.column_chart("c", "금액", [("2026-01", 123456789), ("2026-02", 2.5)],'
              ' unit="원") }}')
    with app.test_request_context():
        page = render_template_string(source)
    assert 'aria-label="빈 표: 자료 없음"' in page
    assert '<rect x="' in page and 'width="0"' in page  # a zero is a bar of no length
    assert "<title>아주 긴 이름의 항목입니다 정말로</title>" in page
    assert ">아주 긴 이름의 항목…</text>" in page
    assert ">1.2억</text>" in page and ">2.5</text>" in page
    assert 'aria-label="금액: 2026-01 123,456,789원, 2026-02 2.5원"' in page
    assert " style=" not in page and "<script" not in page
