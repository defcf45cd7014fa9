"""Notifications and the calendar on the shipped content, on SQLite and PostgreSQL: an
approval waiting (결재 대기), report deadlines due and overdue through the tick (once each,
none after submission, no duplicate task notice for the reminder), the answer to a referral
(a kind the shipped library declares), and the month calendar of reports, tasks and timers."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from ieum.access.audit import Actor
from ieum.config import REPOSITORY_ROOT
from ieum.services import ServiceError, reports
from ieum.services import notifications as notices
from ieum.services import workflows as flows
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.services.calendar import month_view
from ieum.services.workspace import open_workspace
from ieum.store.models import User
from tests.reportutil import make_report_app, runtime, workspace
from tests.webutil import PASSWORD

TODAY = dt.date(2026, 3, 2)


def unread(app, login: str) -> list[tuple[str, str]]:
    with app.extensions["ieum.database"].session() as s:
        uid = s.scalar(select(User.id).where(User.login == login))
        return [(item.notice.kind, item.notice.title)
                for item in notices.page_of(s, uid, unread_only=True).items]


def tick(app, moment: str) -> int:
    with freeze_time(moment), app.extensions["ieum.database"].session() as s:
        return flows.tick(s, app.extensions["ieum.registry"], app.extensions["ieum.functions"],
                          dt.datetime.now(dt.UTC))


def test_an_approval_step_is_a_waiting_approval_notice(make_app, migrated_url) -> None:
    app = make_app(migrated_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        home = create_facility(s, registry, code="home", name="햇살아동양육원",
                               profile_code="child_home", region_code="11110")
        # in a children's home the 담당자 변경 is asked by the 일반사례관리자 and decided by the
        # 일반사례관리팀장 (the profile's lanes)
        for login_name, role in [("caseworker", "sr_worker"), ("chief", "sr_team_leader")]:
            user = create_user(s, login=login_name, name=login_name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=home, role=role,
                       valid_from=dt.date(2026, 1, 1))
        user = s.scalar(select(User).where(User.login == "caseworker"))
        ws = open_workspace(s, registry, user, "home", TODAY)
        rt = flows.Runtime(registry, app.extensions["ieum.functions"], TODAY,
                           Actor(user.id, user.login))
        instance = flows.start_process(s, rt, ws, "case_assignment", "worker_change")
        (task,) = flows.inbox(s, ws, flows.InboxQuery(), TODAY)
        assert task.instance_id == instance.id
        flows.complete_task(s, rt, ws, task.id, {"new_worker_login": "chief",
                                                 "reason": "업무 조정"})
    kinds = [kind for kind, _title in unread(app, "chief")]
    assert kinds == ["approval_waiting"]
    assert unread(app, "caseworker") == []


def test_report_deadlines_are_noticed_once_and_not_after_submission(make_app,
                                                                    migrated_url) -> None:
    app = make_report_app(make_app, migrated_url)
    registry = app.extensions["ieum.registry"]
    tick(app, "2026-11-03 09:00:00+09:00")  # 7 days before 11-10; 10월 종사자 overdue
    head = unread(app, "head")
    assert ("report_due", "입퇴소보고 2026년 10월 제출 기한이 다가왔습니다 (기한 2026-11-10)") \
        in head
    assert any(kind == "report_overdue" and title.startswith("종사자입퇴사보고 2026년 10월")
               for kind, title in head)
    assert not any(kind == "task" for kind, _ in head)  # the reminder task is not said twice
    assert unread(app, "chief") == [] and unread(app, "carer") == []
    tick(app, "2026-11-03 09:05:00+09:00")
    assert sorted(unread(app, "head")) == sorted(head)  # once
    with freeze_time("2026-11-05"), app.extensions["ieum.database"].session() as s:
        day = dt.date(2026, 11, 5)
        report = reports.generate_report(s, registry, workspace(s, registry, "chief", day),
                                         "admissions", "2026-10", day, Actor(login="chief"))
        reports.submit_report(s, runtime(app, s, "head", day),
                              workspace(s, registry, "head", day), report.id, report.version)
    tick(app, "2026-11-11 09:00:00+09:00")  # past 11-10, but submitted
    assert not any(title.startswith("입퇴소보고 2026년 10월 제출 기한이 지났습니다")
                   for _, title in unread(app, "head"))


def test_the_month_calendar_of_reports(make_app, migrated_url) -> None:
    app = make_report_app(make_app, migrated_url)
    registry = app.extensions["ieum.registry"]
    day = dt.date(2026, 11, 5)
    with app.extensions["ieum.database"].session() as s:
        view = month_view(s, registry, workspace(s, registry, "head", day), "2026-11", day)
        assert (view.title, view.previous_key, view.next_key) == ("2026년 11월", "2026-10",
                                                                  "2026-12")
        days = {d.date: d for week in view.weeks for d in week}
        assert view.weeks[0][0].date == dt.date(2026, 11, 1)  # a Sunday starts the week
        assert days[day].is_today and days[day].label == "11월 5일 목요일"
        items = [(i.kind, i.title, i.state_title) for i in days[dt.date(2026, 11, 10)].items]
        assert ("report", "입퇴소보고 2026년 10월 제출", "기한 임박") in items
        assert view.counts["report"] >= 1
        december = month_view(s, registry, workspace(s, registry, "head", day), "2026-12", day)
        assert not any(d.is_today for week in december.weeks for d in week
                       if d.in_month)
        with pytest.raises(ServiceError) as wrong:
            month_view(s, registry, workspace(s, registry, "head", day), "2026-13", day)
        assert wrong.value.field == "month" and "형식" in wrong.value.message


def test_a_referral_answer_reaches_its_sender(make_app, migrated_url) -> None:
    from tests.collablab import build, register
    from tests.test_collab_referrals import give_consent, review, send

    app = build(make_app, migrated_url)
    child = register(app, "homeworker", "home")
    give_consent(app, child)
    referral_id = send(app, child)
    assert any(kind == "task" for kind, _ in unread(app, "ghadmin"))  # the review task
    review(app, referral_id, {"decision": "reject", "decision_reason": "정원이 찼습니다"})
    answers = [title for kind, title in unread(app, "homeworker") if kind == "referral_answer"]
    assert answers == [f"바다공동생활가정이 의뢰 #{referral_id}를 거절했습니다."]
    with app.extensions["ieum.database"].session() as s:
        uid = s.scalar(select(User.id).where(User.login == "homeworker"))
        item = next(i for i in notices.page_of(s, uid).items
                    if i.notice.kind == "referral_answer")
        assert notices.link_parts(item.notice, item.facility_code) == (
            None, "collab.referral", {"facility_code": "home", "referral_id": referral_id})
        assert "보낸 서비스의뢰의 답변" in {k.title for k in notices.kinds().values()}
