"""Notifications at the service level, on SQLite and PostgreSQL: who a new task notifies, the
choice per kind, reading and paging, report deadline notices through the tick, the answer to a
referral (a kind the shipped library declares), and e-mail through a real SMTP server the test
starts (aiosmtpd): delivered once, retried after a failure, with nothing personal in it."""

from __future__ import annotations

import datetime as dt
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from freezegun import freeze_time
from sqlalchemy import select

from ieum.access.audit import Actor
from ieum.services import ServiceError
from ieum.services import notifications as notices
from ieum.services import workflows as flows
from ieum.services.notifications.delivery import deliver, queue_emails, send_due
from ieum.services.notifications.mail import SmtpUrlError, parse_smtp_url
from ieum.store.models import Task, User
from ieum.store.models_notify import Notification, NotificationEmail
from tests.test_workflow_engine import acting, note, seed_flow, user_id

TODAY = dt.date(2026, 3, 2)
NAME, RRN = "홍길동", "900101-1234567"


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_flow(app)
    return app


class Inbox:
    """A local SMTP server keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content,
                                                                     policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{controller.port}?from=ieum@example.org"
    yield inbox
    controller.stop()


def unread(app, login: str) -> list[tuple[str, str]]:
    with app.extensions["ieum.database"].session() as s:
        uid = s.scalar(select(User.id).where(User.login == login))
        return [(item.notice.kind, item.notice.title)
                for item in notices.page_of(s, uid, unread_only=True).items]


def choose(app, login: str, email: str | None, **channels: str) -> None:
    with app.extensions["ieum.database"].session() as s:
        uid = s.scalar(select(User.id).where(User.login == login))
        notices.save_settings(s, uid, email, channels, Actor(uid, login))


def tick(app, moment: str) -> int:
    with freeze_time(moment), app.extensions["ieum.database"].session() as s:
        return flows.tick(s, app.extensions["ieum.registry"], app.extensions["ieum.functions"],
                          dt.datetime.now(dt.UTC))


# ---------------------------------------------------------------- tasks


def test_a_new_task_notifies_its_role_holders_but_not_the_person_who_moved_it(app) -> None:
    with acting(app, "wk1") as w:
        instance = w.start("three_lane")
    assert unread(app, "wk1") == []  # wk1 started it and sees the task already
    assert unread(app, "wk2") == [("task", "초안 작성")]
    assert unread(app, "lead") == [] and unread(app, "boss") == []
    with app.extensions["ieum.database"].session() as s:
        notice = s.scalar(select(Notification).where(Notification.user_id == user_id(app, "wk2")))
        task = s.scalar(select(Task).where(Task.instance_id == instance.id))
        assert notice.task_id == task.id and notice.facility_id == task.facility_id
        item = notices.page_of(s, notice.user_id).items[0]
        assert notices.link_parts(item.notice, item.facility_code) == (
            None, "tasks.work", {"facility_code": "flow", "task_id": task.id})
    with acting(app, "wk1") as w:
        w.complete(task.id, note("초안"))
    assert unread(app, "lead") == [("task", "검토")]  # the next lane hears of it


def test_a_kind_turned_off_gives_no_notice(app) -> None:
    choose(app, "wk2", None, task="off")
    with acting(app, "wk1") as w:
        w.start("three_lane")
    assert unread(app, "wk2") == []
    with app.extensions["ieum.database"].session() as s:
        settings = notices.settings_of(s, user_id(app, "wk2"))
        assert settings.channels["task"] == "off" and settings.channels["approval_waiting"] == "app"


def test_settings_refuse_a_bad_address_and_email_without_one(app) -> None:
    with pytest.raises(ServiceError) as bad:
        choose(app, "wk2", "not-an-address", task="email")
    assert bad.value.field == "email" and "형식" in bad.value.message
    with pytest.raises(ServiceError) as missing:
        choose(app, "wk2", "", task="email")
    assert missing.value.field == "email" and "이메일 주소" in missing.value.message
    with pytest.raises(ServiceError) as unknown:
        choose(app, "wk2", None, task="sms")
    assert unknown.value.field == "channel_task"


def test_reading_paging_and_another_users_notice(app) -> None:
    wk2, wk1 = user_id(app, "wk2"), user_id(app, "wk1")
    with app.extensions["ieum.database"].session() as s:
        for number in range(25):
            notices.notify(s, wk2, "job_done", f"작업 {number}", ("notifications.index", {}))
        assert notices.notify(s, wk2, "job_done", "같은 것", key="job:1") is not None
        assert notices.notify(s, wk2, "job_done", "같은 것", key="job:1") is None  # once
        s.commit()
        with pytest.raises(ValueError, match="unknown notification kind"):
            notices.notify(s, wk2, "no_such_kind", "?")
        assert notices.unread_count(s, wk2) == 26
        first, second = notices.page_of(s, wk2, 1), notices.page_of(s, wk2, 2)
        assert (first.total, first.pages, len(first.items), len(second.items)) == (26, 2, 20, 6)
        assert first.items[0].notice.title == "같은 것"  # newest first
        assert notices.page_of(s, wk2, 99).number == 2  # beyond the last: the last
        one = second.items[0].notice.id
        with pytest.raises(ServiceError) as foreign:
            notices.mark_read(s, wk1, one)
        assert foreign.value.status == 404
        assert notices.mark_read(s, wk2, one).notice.read_at is not None
        assert notices.unread_count(s, wk2) == 25
        assert notices.mark_all_read(s, wk2) == 25
        assert notices.unread_count(s, wk2) == 0
        assert notices.page_of(s, wk2, unread_only=True).total == 0


# ---------------------------------------------------------------- e-mail


def test_email_is_sent_once_with_nothing_personal(app, smtp, monkeypatch) -> None:
    monkeypatch.setenv("IEUM_SMTP_URL", smtp.url)
    monkeypatch.setenv("IEUM_PUBLIC_URL", "https://ieum.example.org")
    choose(app, "wk2", "wk2@example.org", task="email")
    wk2 = user_id(app, "wk2")
    with acting(app, "wk1") as w:
        w.start("three_lane")
    with app.extensions["ieum.database"].session() as s:  # a notice naming a person, in-app only
        notices.notify(s, wk2, "task", f"{NAME}({RRN}) 상담 기록 확인", facility_id=None)
        s.commit()
    assert tick(app, "2026-03-02 10:00:00+09:00") >= 1
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["wk2@example.org"]
    assert message["Subject"] == "[이음] 처리할 업무 2건"
    body = message.get_content()
    assert "처리할 업무가 2건 있습니다." in body
    assert "https://ieum.example.org/notifications/" in body
    for personal in (NAME, RRN, "900101", "초안 작성", "흐름시험원"):
        assert personal not in body and personal not in message["Subject"]
    tick(app, "2026-03-02 10:05:00+09:00")
    assert len(smtp.messages) == 1  # nothing twice
    with app.extensions["ieum.database"].session() as s:
        (row,) = s.scalars(select(NotificationEmail)).all()
        assert (row.status, row.count, row.attempts) == ("sent", 2, 1)
        assert {n.email_state for n in s.scalars(select(Notification).where(
            Notification.user_id == wk2))} == {"queued"}
        assert notices.unread_count(s, wk2) == 2  # the e-mail does not read them
    assert unread(app, "lead") == []


def test_a_failed_send_is_retried_later(app, smtp, monkeypatch) -> None:
    choose(app, "wk2", "wk2@example.org", task="email")
    with acting(app, "wk1") as w:
        w.start("three_lane")
    closed = parse_smtp_url(f"smtp://127.0.0.1:{free_port()}?timeout=3")
    with app.extensions["ieum.database"].session() as s:
        moment = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
        assert queue_emails(s, moment, "https://ieum.example.org") == 1
        assert send_due(s, closed, moment) == 0  # nobody listens there
        row = s.scalar(select(NotificationEmail))
        assert (row.status, row.attempts) == ("pending", 1) and row.last_error
        assert row.next_attempt_at.replace(tzinfo=dt.UTC) > moment
        assert send_due(s, parse_smtp_url(smtp.url), moment) == 0  # not due yet
        assert smtp.messages == []
        later = moment + dt.timedelta(minutes=2)
        assert send_due(s, parse_smtp_url(smtp.url), later) == 1
        s.refresh(row)
        assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp.messages) == 1


def test_without_smtp_mail_waits_in_the_outbox(app, monkeypatch) -> None:
    monkeypatch.delenv("IEUM_SMTP_URL", raising=False)
    choose(app, "wk2", "wk2@example.org", task="email")
    with acting(app, "wk1") as w:
        w.start("three_lane")
    with app.extensions["ieum.database"].session() as s:
        assert deliver(s, app.extensions["ieum.registry"], {}, TODAY) == 0
        row = s.scalar(select(NotificationEmail))
        assert (row.status, row.count, row.to_address) == ("pending", 1, "wk2@example.org")


def test_the_smtp_url() -> None:
    plain = parse_smtp_url("smtp://mail.example.org")
    assert (plain.host, plain.port, plain.security, plain.sender) == (
        "mail.example.org", 25, "plain", "ieum@mail.example.org")
    tls = parse_smtp_url("smtp://user%40x:p%3Ass@mail.example.org:587?starttls=true"
                         "&from=noreply@example.org")
    assert (tls.port, tls.security, tls.username, tls.password, tls.sender) == (
        587, "starttls", "user@x", "p:ss", "noreply@example.org")
    assert "p:ss" not in repr(tls)
    assert parse_smtp_url("smtps://mail.example.org").port == 465
    for wrong in ("http://mail.example.org", "smtp://", "smtp://host:port"):
        with pytest.raises(SmtpUrlError):
            parse_smtp_url(wrong)


# ---------------------------------------------------------------- the calendar


def test_the_calendar_shows_task_due_dates_and_timers(app) -> None:
    from ieum.services.calendar import month_view

    with freeze_time("2026-03-02 09:00:00"), acting(app, "wk1") as w:
        instance = w.start("reminder")  # a task due in 30 days, a timer after 30 days
    registry = app.extensions["ieum.registry"]
    with acting(app, "wk2") as w:
        view = month_view(w.session, registry, w.workspace, "2026-04", TODAY)
        (day,) = [d for week in view.weeks for d in week if d.date == dt.date(2026, 4, 1)]
        assert [(i.kind, i.title, i.time) for i in day.items] == [
            ("timer", "연간 평가 독촉 시험 시한 도래", "18:00"),  # 09:00 UTC is 18:00 KST
            ("task", "연간 평가", None)]
        assert day.items[0].args == {"facility_code": "flow", "instance_id": instance.id}
        assert (view.counts["task"], view.counts["timer"]) == (1, 1)
        assert not any(d.is_today for week in view.weeks for d in week)
    with acting(app, "stranger", facility="other") as w:  # another facility sees none of it
        view = month_view(w.session, registry, w.workspace, "2026-04", TODAY)
        assert all(not d.items for week in view.weeks for d in week)


# ---------------------------------------------------------------- the screens


def test_the_bell_the_list_and_the_settings_page(app) -> None:
    from tests.webutil import csrf_token, login

    with acting(app, "wk1") as w:
        w.start("three_lane")
        w.start("three_lane")
    client = app.test_client()
    login(client, "wk2")
    page = client.get("/f/flow/").get_data(as_text=True)
    assert 'data-testid="notifications-count">2<' in page
    listing = client.get("/notifications/").get_data(as_text=True)
    assert listing.count('data-unread="1"') == 2 and "초안 작성" in listing
    with app.extensions["ieum.database"].session() as s:
        first = s.scalar(select(Notification.id).where(
            Notification.user_id == user_id(app, "wk2")).order_by(Notification.id))
        task_id = s.scalar(select(Notification.task_id).where(Notification.id == first))
    token = csrf_token(client, "/notifications/")
    opened = client.post(f"/notifications/{first}/read", data={"csrf_token": token, "open": "1"})
    assert opened.status_code == 302 and opened.location.endswith(f"/f/flow/tasks/{task_id}")
    assert 'data-testid="notifications-count">1<' in client.get("/f/flow/").get_data(as_text=True)
    assert client.post("/notifications/999999/read", data={"csrf_token": token}).status_code \
        == 404
    client.post("/notifications/read-all", data={"csrf_token": token})
    assert 'data-testid="notifications-count"' not in client.get("/f/flow/").get_data(
        as_text=True)

    refused = client.post("/notifications/settings", data={
        "csrf_token": token, "email": "", "channel_task": "email"})
    assert refused.status_code == 400
    assert "이메일 주소를 입력하세요" in refused.get_data(as_text=True)
    saved = client.post("/notifications/settings", data={
        "csrf_token": token, "email": "wk2@example.org", "channel_task": "email",
        "channel_approval_waiting": "off"}, follow_redirects=True)
    assert "알림 설정을 저장했습니다" in saved.get_data(as_text=True)
    with app.extensions["ieum.database"].session() as s:
        settings = notices.settings_of(s, user_id(app, "wk2"))
        channels = settings.channels
        assert (settings.email, channels["task"], channels["approval_waiting"]) == (
            "wk2@example.org", "email", "off")


def test_the_calendar_page(app) -> None:
    from tests.webutil import login

    client = app.test_client()
    login(client, "wk1")
    page = client.get("/f/flow/calendar/").get_data(as_text=True)
    assert "2026년 3월" in page and 'aria-current="date"' in page and "오늘" in page
    for weekday in ("일요일", "월요일", "토요일"):
        assert f'title="{weekday}"' in page
    assert "3월 2일 월요일" in page
    assert 'href="/f/flow/calendar/?month=2026-04"' in page  # 다음 달
    assert "일정 달력" in client.get("/f/flow/").get_data(as_text=True)
    wrong = client.get("/f/flow/calendar/?month=2026-99")
    assert wrong.status_code == 400 and "형식으로 입력하세요" in wrong.get_data(as_text=True)
    assert client.get("/f/other/calendar/").status_code == 404
