"""E-mail delivery of notices: a ticker (entry-point group ``ieum.tickers``), so whatever runs
the periodic work (``ieum tick``, the job queue's periodic job) sends the mail; no scheduler
of its own.

1. **Queue.** The notices waiting for e-mail (``email_state = 'pending'``) become outbox rows,
   one per person and kind, in one transaction with the notices marked ``queued``: a crash
   loses nothing and queues nothing twice. The message says only how many notices of that
   kind wait and links to the list (``IEUM_PUBLIC_URL``/notifications/): no names, no titles,
   no resident numbers. Notices older than :data:`EMAIL_MAX_AGE` are not mailed any more.
2. **Send.** Each due outbox row is claimed (``pending`` -> ``sending``, a conditional update
   only one server wins) and committed before the SMTP conversation, then marked ``sent``. A
   failure is retried later (:data:`BACKOFF`), and after :data:`MAX_ATTEMPTS` or a refused
   address it is ``failed`` with the error. A row left ``sending`` by a process that died
   mid-send is retried after :data:`STALE_CLAIM` with the same Message-ID, so a receiver can
   drop the rare repeat.

Without ``IEUM_SMTP_URL`` nothing is sent: rows wait in the outbox.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Mapping
from itertools import groupby

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ieum import config
from ieum.definitions import Registry
from ieum.services.notifications import expire_stale_email, kinds, settings_of
from ieum.services.notifications.mail import (
    Mailer,
    SmtpSettings,
    SmtpUrlError,
    compose,
    parse_smtp_url,
)
from ieum.store.models import utcnow
from ieum.store.models_notify import Notification, NotificationEmail
from ieum.workflow.functions import ServiceFunction

log = logging.getLogger(__name__)

EMAIL_MAX_AGE = dt.timedelta(days=3)
MAX_ATTEMPTS = 6
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=15),
           dt.timedelta(hours=1), dt.timedelta(hours=3))
STALE_CLAIM = dt.timedelta(minutes=30)
BATCH = 200


def email_text(kind: str, count: int, base_url: str) -> tuple[str, str]:
    """The subject and body of the e-mail for ``count`` notices of ``kind``: what kind of
    thing waits and how many, nothing about which."""
    known = kinds().get(kind)
    line = known.email_line if known else "새 알림이 {count}건 있습니다."
    subject = known.email_subject if known else "[이음] 새 알림"
    body = "\n".join([
        "이음 알림입니다.",
        "",
        line.format(count=count),
        "",
        f"이음에 로그인해 확인하세요: {base_url}/notifications/",
        "",
        "개인정보 보호를 위해 이메일에는 대상자 이름 등 자세한 내용을 담지 않습니다.",
        f"알림 받는 방법 바꾸기: {base_url}/notifications/settings",
    ])
    return f"{subject} {count}건", body + "\n"


def queue_emails(session: Session, now: dt.datetime, base_url: str | None = None) -> int:
    """Turn the notices waiting for e-mail into outbox rows (commits); how many rows."""
    base_url = base_url or config.public_url()
    expire_stale_email(session, now - EMAIL_MAX_AGE)
    waiting = list(session.scalars(
        select(Notification).where(Notification.email_state == "pending")
        .order_by(Notification.user_id, Notification.kind, Notification.id)
        .with_for_update(skip_locked=True)))
    made = 0
    for (user_id, kind), group in groupby(waiting, key=lambda n: (n.user_id, n.kind)):
        notices = list(group)
        address = settings_of(session, user_id).email
        if not address:  # the address was removed since: the notices stay in the app
            for notice in notices:
                notice.email_state = "expired"
            continue
        subject, body = email_text(kind, len(notices), base_url)
        row = NotificationEmail(user_id=user_id, kind=kind, count=len(notices),
                                to_address=address, subject=subject, body=body,
                                status="pending", attempts=0, next_attempt_at=now)
        session.add(row)
        session.flush()
        for notice in notices:
            notice.email_state = "queued"
            notice.outbox_id = row.id
        made += 1
    session.commit()
    return made


def _claim(session: Session, row_id: int, now: dt.datetime) -> bool:
    result = session.execute(update(NotificationEmail).where(
        NotificationEmail.id == row_id, NotificationEmail.status == "pending")
        .values(status="sending", claimed_at=now)
        .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount == 1


def _message_id(row: NotificationEmail, settings: SmtpSettings) -> str:
    domain = settings.sender.rpartition("@")[2] or "ieum.local"
    return f"<ieum-notification-{row.id}@{domain}>"


def send_due(session: Session, settings: SmtpSettings, now: dt.datetime) -> int:
    """Send the outbox rows that are due (each claimed first, committed one by one); how
    many were sent."""
    session.execute(update(NotificationEmail).where(
        NotificationEmail.status == "sending", NotificationEmail.claimed_at < now - STALE_CLAIM)
        .values(status="pending")
        .execution_options(synchronize_session=False))
    session.execute(update(NotificationEmail).where(
        NotificationEmail.status == "pending", NotificationEmail.created_at < now - EMAIL_MAX_AGE)
        .values(status="failed", last_error="너무 오래되어 보내지 않았습니다.")
        .execution_options(synchronize_session=False))
    session.commit()
    due = list(session.scalars(select(NotificationEmail.id).where(
        NotificationEmail.status == "pending", NotificationEmail.next_attempt_at <= now)
        .order_by(NotificationEmail.id).limit(BATCH)))
    mailer = Mailer(settings)
    sent = 0
    try:
        for row_id in due:
            if not _claim(session, row_id, now):
                continue  # another server took it
            row = session.get(NotificationEmail, row_id)
            message = compose(settings, row.to_address, row.subject, row.body,
                              _message_id(row, settings))
            try:
                mailer.send(message)
            except (smtplib.SMTPException, OSError) as error:
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:1000]
                refused = isinstance(error, smtplib.SMTPRecipientsRefused)
                if refused or row.attempts >= MAX_ATTEMPTS:
                    row.status = "failed"
                else:
                    row.status = "pending"
                    row.next_attempt_at = now + BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
                row.claimed_at = None
                log.warning("notification e-mail %s failed (attempt %s): %s", row.id,
                            row.attempts, row.last_error)
                mailer.close()
            else:
                row.status = "sent"
                row.sent_at = utcnow()
                row.attempts += 1
                sent += 1
            session.commit()
    finally:
        mailer.close()
    return sent


def deliver(session: Session, registry: Registry, functions: Mapping[str, ServiceFunction],
            today: dt.date) -> int:
    """The ticker: queue the waiting notices, then send what is due when ``IEUM_SMTP_URL``
    is set; how many e-mails were sent."""
    now = utcnow()
    queue_emails(session, now)
    url = config.smtp_url()
    if url is None:
        return 0
    try:
        settings = parse_smtp_url(url)
    except SmtpUrlError as error:  # the mail waits in the outbox until the setting is fixed
        log.error("notification e-mail not sent: %s", error)
        return 0
    return send_due(session, settings, now)
