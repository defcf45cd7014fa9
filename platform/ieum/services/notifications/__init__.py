"""Notifications: in-app notices per user (the navbar's bell, the list), and e-mail.

Anything that happens for a person gives a notice with :func:`notify` inside its own
transaction (the caller commits): a task waiting in their inbox or their role's, a document
waiting for their approval, a report due or overdue, a long job finished, and whatever kinds
packages declare (entry-point group ``ieum.notification_kinds``: the shipped library's answer
to a referral). Each person chooses per kind: in the app only, also by e-mail, or off.

E-mail never carries the notice itself: the scheduler tick (``delivery.deliver``, an
``ieum.tickers`` entry point) sends one message per person and kind saying how many notices
wait, e.g. "처리할 업무가 2건 있습니다", with a link to the list — no names, no resident
numbers, no titles (the personal-data rules: what a notice is about stays behind the
sign-in).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.definitions import extensions
from ieum.i18n import LazyText
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError, is_id
from ieum.store.models import Facility, utcnow
from ieum.store.models_notify import CHANNELS, Notification, NotificationSetting


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notice. ``email_line`` is the whole content of its e-mail, with ``{count}``
    (how many notices wait): say what kind of thing waits, never which one. ``title`` is
    shown on screens (in the request's language, :func:`shown_title`); the e-mail texts are
    sent by the background delivery, in Korean."""

    title: str | LazyText
    email_subject: str
    email_line: str
    default: str = "app"  # "app", "email" (in the app and by e-mail) or "off"
    order: int = 100


#: The kernel's own kinds; packages add theirs through ``ieum.notification_kinds``.
KERNEL_KINDS: Mapping[str, NotificationKind] = {
    "task": NotificationKind(_l("나에게 온 업무"), "[이음] 처리할 업무",
                             "처리할 업무가 {count}건 있습니다.", order=10),
    "approval_waiting": NotificationKind(_l("결재 대기"), "[이음] 결재 대기",
                                         "결재를 기다리는 문서가 {count}건 있습니다.", order=20),
    "report_due": NotificationKind(_l("보고 기한 임박"), "[이음] 보고 기한 임박",
                                   "제출 기한이 다가온 보고가 {count}건 있습니다.", order=30),
    "report_overdue": NotificationKind(_l("보고 기한 지남"), "[이음] 보고 기한 지남",
                                       "제출 기한이 지난 보고가 {count}건 있습니다.", order=40),
    "job_done": NotificationKind(_l("오래 걸리는 작업 완료 (모의실험·내려받기 등)"),
                                 "[이음] 작업 완료",
                                 "요청한 작업 {count}건이 끝났습니다.", order=50),
}

CHANNEL_TITLES = {"app": _l("앱 알림"), "email": _l("앱 알림과 이메일"), "off": _l("받지 않음")}
PER_PAGE = 20
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def kinds() -> dict[str, NotificationKind]:
    """Every kind, the kernel's and the packages', in the order the settings page shows."""
    found = dict(KERNEL_KINDS)
    for name, kind in extensions.objects(extensions.NOTIFICATION_KINDS).items():
        if isinstance(kind, NotificationKind) and name not in found:
            found[name] = kind
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))


def shown_title(title: object) -> str:
    """A kind's title in the request's language: the kernel's are lazy texts; a package's
    Korean title is looked up in the catalogues (its own ``ieum.translations``)."""
    return str(title) if isinstance(title, LazyText) else _(str(title))


def kind_title(kind: str) -> str:
    known = kinds().get(kind)
    return shown_title(known.title) if known else _("알림")


# --- settings ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    email: str | None
    channels: Mapping[str, str]  # every kind -> its channel for this user


def settings_of(session: Session, user_id: int) -> Settings:
    return _settings(session.get(NotificationSetting, user_id), kinds())


def settings_for(session: Session, user_ids: Iterable[int]) -> dict[int, Settings]:
    """The settings of several users, read in one query (every id gets an entry)."""
    wanted = sorted(set(user_ids))
    rows = {row.user_id: row for row in session.scalars(select(NotificationSetting).where(
        NotificationSetting.user_id.in_(wanted)))} if wanted else {}
    known = kinds()
    return {user_id: _settings(rows.get(user_id), known) for user_id in wanted}


def _settings(row: NotificationSetting | None, known: Mapping[str, NotificationKind]
              ) -> Settings:
    chosen = dict(row.channels or {}) if row is not None else {}
    channels = {name: chosen.get(name) if chosen.get(name) in CHANNELS else kind.default
                for name, kind in known.items()}
    return Settings(row.email if row is not None else None, channels)


def channel_of(session: Session, user_id: int, kind: str) -> str:
    return settings_of(session, user_id).channels.get(kind, "app")


def save_settings(session: Session, user_id: int, email: str | None,
                  channels: Mapping[str, str], actor: Actor) -> Settings:
    """Store the user's address and channels (commits). A wrong address, an unknown channel,
    or e-mail chosen without an address is refused with a message naming the field."""
    address = (email or "").strip() or None
    if address is not None and (len(address) > 254 or not EMAIL_PATTERN.match(address)):
        raise ServiceError(_("이메일 주소 형식이 올바르지 않습니다 (예: worker@example.org)."),
                           field="email")
    known = kinds()
    chosen: dict[str, str] = {}
    for name in known:
        value = channels.get(name) or known[name].default
        if value not in CHANNELS:
            raise ServiceError(_("알림 받는 방법을 다시 고르세요."), field=f"channel_{name}")
        if value == "email" and address is None:
            raise ServiceError(_("‘%(title)s’ 알림을 이메일로 받으려면 이메일 주소를 입력하세요.",
                                 title=shown_title(known[name].title)), field="email")
        chosen[name] = value
    row = session.get(NotificationSetting, user_id)
    if row is None:
        row = NotificationSetting(user_id=user_id)
        session.add(row)
    row.email = address
    row.channels = chosen
    record_event(session, "notification.settings", actor, target_type="app_user",
                 target_id=user_id,
                 detail={"email": address is not None,
                         "channels": {k: v for k, v in chosen.items() if v != known[k].default}})
    session.commit()
    return settings_of(session, user_id)


# --- giving a notice -----------------------------------------------------------------------

Link = str | tuple[str, Mapping[str, Any]] | None


def notify(session: Session, user_id: int, kind: str, title: str, link: Link = None, *,
           facility_id: int | None = None, key: str | None = None,
           task: Any = None) -> Notification | None:
    """Give ``user_id`` a notice of ``kind`` (no commit: it belongs to the caller's
    transaction). ``link`` is where it leads: a path (``url_for(...)`` in a request) or an
    ``(endpoint, arguments)`` pair resolved when the notice is shown (from a job or the tick,
    outside a request). With ``key``, the same notice is given once per user. Returns the
    notice, or ``None`` when the user turned the kind off or already has it.

    For example, when a simulation a user started has finished::

        notify(session, user.id, "job_done", "모의실험이 끝났습니다: 기초연금 2027",
               ("studio.simulation", {"run_id": run.id}))
        session.commit()
    """
    known = kinds()
    if kind not in known:
        raise ValueError(f"unknown notification kind {kind!r}; known: {', '.join(known)}")
    settings = settings_of(session, user_id)
    if settings.channels.get(kind, "app") == "off":
        return None
    if key is not None:
        pending = any(isinstance(row, Notification) and row.user_id == user_id
                      and row.key == key for row in session.new)
        if pending or session.scalar(select(Notification.id).where(
                Notification.user_id == user_id, Notification.key == key)) is not None:
            return None
    notice = notice_for(settings, user_id, kind, title, link, facility_id=facility_id,
                        key=key, task=task)
    session.add(notice)
    return notice


def notice_for(settings: Settings, user_id: int, kind: str, title: str, link: Link = None,
               *, facility_id: int | None = None, key: str | None = None,
               task: Any = None) -> Notification:
    """The notice :func:`notify` gives, built from the user's ``settings`` (not added to the
    session; the caller checks that the kind is not turned off)."""
    channel = settings.channels.get(kind, "app")
    path, target = (link, None) if isinstance(link, str) or link is None else \
        (None, {"endpoint": link[0], "args": dict(link[1])})
    notice = Notification(
        user_id=user_id, facility_id=facility_id, kind=kind, title=title[:300], link=path,
        target=target, key=key[:200] if key else None,
        email_state="pending" if channel == "email" and settings.email else None)
    if task is not None:
        notice.task = task
    return notice


# --- reading -------------------------------------------------------------------------------

def unread_of(user_id: int | ColumnElement[int]) -> tuple[ColumnElement[bool], ...]:
    """The conditions of the user's unread notices (the bell counts them)."""
    return (Notification.user_id == user_id, Notification.read_at.is_(None))


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count(Notification.id)).where(*unread_of(user_id))) or 0


@dataclass(frozen=True)
class Item:
    notice: Notification
    kind_title: str
    facility_name: str | None
    facility_code: str | None

    @property
    def unread(self) -> bool:
        return self.notice.read_at is None


@dataclass(frozen=True)
class Page:
    items: list[Item]
    number: int
    pages: int
    total: int
    unread: int
    unread_only: bool


def page_of(session: Session, user_id: int, number: int = 1, *,
            unread_only: bool = False, per_page: int = PER_PAGE) -> Page:
    """The user's notices, newest first, ``per_page`` at a time (a page number beyond the
    last shows the last page)."""
    conditions = [Notification.user_id == user_id]
    if unread_only:
        conditions.append(Notification.read_at.is_(None))
    total = session.scalar(select(func.count(Notification.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    rows = list(session.scalars(select(Notification).where(*conditions)
                                .order_by(Notification.created_at.desc(),
                                          Notification.id.desc())
                                .offset((number - 1) * per_page).limit(per_page)))
    facility_ids = {row.facility_id for row in rows if row.facility_id is not None}
    facilities = {f.id: f for f in session.scalars(
        select(Facility).where(Facility.id.in_(sorted(facility_ids))))} if facility_ids else {}
    titles = {name: shown_title(kind.title) for name, kind in kinds().items()}
    items = [Item(row, titles.get(row.kind) or _("알림"),
                  facilities[row.facility_id].name if row.facility_id in facilities else None,
                  facilities[row.facility_id].code if row.facility_id in facilities else None)
             for row in rows]
    return Page(items, number, pages, total, unread_count(session, user_id), unread_only)


def _own(session: Session, user_id: int, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id) if is_id(notification_id) else None
    if row is None or row.user_id != user_id:
        raise ServiceError(_("알림을 찾을 수 없습니다."), status=404)
    return row


def _item(session: Session, row: Notification) -> Item:
    facility = session.get(Facility, row.facility_id) if row.facility_id else None
    return Item(row, kind_title(row.kind), facility.name if facility else None,
                facility.code if facility else None)


def mark_read(session: Session, user_id: int, notification_id: int) -> Item:
    """Mark one of the user's notices read (commits) and give it back to follow its link;
    another user's is not found."""
    row = _own(session, user_id, notification_id)
    if row.read_at is None:
        row.read_at = utcnow()
        session.commit()
    return _item(session, row)


def mark_all_read(session: Session, user_id: int) -> int:
    """Mark every unread notice of the user read (commits); how many were unread."""
    result = session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount or 0


def link_parts(notice: Notification, facility_code: str | None
               ) -> tuple[str | None, str | None, dict[str, Any]]:
    """Where a notice leads: ``(path, None, {})`` or ``(None, endpoint, arguments)``; a task
    notice leads to the task's page."""
    if notice.link:
        return notice.link, None, {}
    if notice.target and notice.target.get("endpoint"):
        return None, str(notice.target["endpoint"]), dict(notice.target.get("args") or {})
    if notice.task_id is not None and facility_code is not None:
        return None, "tasks.work", {"facility_code": facility_code, "task_id": notice.task_id}
    return None, None, {}


def expire_stale_email(session: Session, before: dt.datetime) -> int:
    """Notices still waiting for e-mail since before ``before`` are not mailed any more (an
    e-mail days late helps nobody; the notice stays in the app)."""
    result = session.execute(update(Notification).where(
        Notification.email_state == "pending", Notification.created_at < before)
        .values(email_state="expired")
        .execution_options(synchronize_session=False))
    return result.rowcount or 0
