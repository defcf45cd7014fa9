"""Reading and keeping the audit log: the administrators' search, retention, integrity checks.

Access records of a personal-data system are kept at least two years here (this system holds
resident numbers and sensitive data), so retention refuses anything shorter unless forced.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, ChainCheck, check_chain, purge_events, record_event
from ieum.access.grants import Permissions, user_facilities
from ieum.config import KST
from ieum.definitions import Registry
from ieum.i18n import content_text, josa, lazy_pgettext
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.transactions import transaction
from ieum.services.workspace import Workspace, open_workspace
from ieum.store.models import AuditEvent, Facility, User, utcnow

PER_PAGE = 50
MIN_RETENTION_DAYS = 730  # 2 years: the legal minimum for this system (docs: privacy rules)
RETENTION_SETTING = "IEUM_AUDIT_RETENTION_DAYS"

ACTION_TITLES = {
    "login.success": lazy_pgettext("audit action", "로그인"),
    "login.failure": lazy_pgettext("audit action", "로그인 실패"),
    "login.lockout": lazy_pgettext("audit action", "계정 잠금"),
    "logout": lazy_pgettext("audit action", "로그아웃"),
    "record.create": lazy_pgettext("audit action", "기록 작성"),
    "record.update": lazy_pgettext("audit action", "기록 수정"),
    "record.delete": lazy_pgettext("audit action", "기록 삭제"),
    "record.view": lazy_pgettext("audit action", "개인정보 열람"),
    "record.export": lazy_pgettext("audit action", "엑셀 내려받기"),
    "record.import": lazy_pgettext("audit action", "엑셀 올리기"),
    "attachment.download": lazy_pgettext("audit action", "파일 내려받기"),
    "role.grant": lazy_pgettext("audit action", "권한 부여"),
    "role.revoke": lazy_pgettext("audit action", "권한 회수"),
    "rrn.reveal": lazy_pgettext("audit action", "주민등록번호 확인"),
    "task.complete": lazy_pgettext("audit action", "업무 처리"),
    "task.claim": lazy_pgettext("audit action", "업무 맡기"),
    "process.start": lazy_pgettext("audit action", "업무 시작"),
    "process.retry": lazy_pgettext("audit action", "업무 다시 실행"),
    "process.timer": lazy_pgettext("audit action", "기한 경과 처리"),
    "closing.set": lazy_pgettext("audit action", "마감 설정"),
    "user.create": lazy_pgettext("audit action", "사용자 등록"),
    "facility.create": lazy_pgettext("audit action", "기관 등록"),
    "facility.update": lazy_pgettext("audit action", "기관 정보 수정"),
    "case.assign": lazy_pgettext("audit action", "담당자 지정"),
    "case.lock": lazy_pgettext("audit action", "사례 종결(잠금)"),
    "audit.view": lazy_pgettext("audit action", "감사 기록 열람"),
    "audit.verify": lazy_pgettext("audit action", "무결성 검사"),
    "audit.purge": lazy_pgettext("audit action", "감사 기록 정리"),
    "approval.submit": lazy_pgettext("audit action", "결재 올리기"),
    "approval_line.set": lazy_pgettext("audit action", "결재선 변경"),
    "payroll.confirm": lazy_pgettext("audit action", "급여대장 확정"),
    "donation.receipts": lazy_pgettext("audit action", "기부금 영수증 발급"),
    "donation.receipt.print": lazy_pgettext("audit action", "기부금 영수증 출력"),
    "application.create": lazy_pgettext("audit action", "복지사업 신청"),
    "application.decide": lazy_pgettext("audit action", "복지사업 결정"),
    "application.view": lazy_pgettext("audit action", "복지사업 신청 열람"),
    "application.withdraw": lazy_pgettext("audit action", "복지사업 신청 취소"),
    "consent.record": lazy_pgettext("audit action", "정보공유 동의 기록"),
    "consent.withdraw": lazy_pgettext("audit action", "정보공유 동의 철회"),
    "history.view": lazy_pgettext("audit action", "통합 서비스 이력 열람"),
    "need.register": lazy_pgettext("audit action", "서비스 욕구 등록"),
    "need.close": lazy_pgettext("audit action", "서비스 욕구 종료"),
    "referral.send": lazy_pgettext("audit action", "서비스 의뢰"),
    "referral.cancel": lazy_pgettext("audit action", "서비스 의뢰 취소"),
    "referral.override": lazy_pgettext("audit action", "의뢰 필수항목 예외"),
    "report.generate": lazy_pgettext("audit action", "보고서 작성"),
    "report.regenerate": lazy_pgettext("audit action", "보고서 다시 작성"),
    "report.submit": lazy_pgettext("audit action", "보고서 제출"),
    "report.note": lazy_pgettext("audit action", "보고서 의견"),
    "report.remind": lazy_pgettext("audit action", "보고 기한 알림"),
    "report.view": lazy_pgettext("audit action", "보고서 열람"),
    "program.save": lazy_pgettext("audit action", "복지사업 저장"),
    "program.simulate": lazy_pgettext("audit action", "복지사업 모의계산"),
    "role.grant_public": lazy_pgettext("audit action", "공공 역할 부여"),
}

#: Korean names of the keys of an event's detail (shown instead of ``key=value``).
DETAIL_TITLES = {
    "unit": lazy_pgettext("audit detail", "업무"),
    "units": lazy_pgettext("audit detail", "업무"),
    "form": lazy_pgettext("audit detail", "양식"),
    "status": lazy_pgettext("audit detail", "상태"),
    "fields": lazy_pgettext("audit detail", "바뀐 항목"),
    "reason": lazy_pgettext("audit detail", "사유"),
    "process": lazy_pgettext("audit detail", "절차"),
    "task": lazy_pgettext("audit detail", "단계"),
    "record": lazy_pgettext("audit detail", "기록"),
    "instance": lazy_pgettext("audit detail", "업무"),
    "pay_month": lazy_pgettext("audit detail", "귀속월"),
    "total": lazy_pgettext("audit detail", "합계"),
    "before": lazy_pgettext("audit detail", "이전"),
    "after": lazy_pgettext("audit detail", "이후"),
    "worker": lazy_pgettext("audit detail", "담당자"),
    "by": lazy_pgettext("audit detail", "방법"),
    "field": lazy_pgettext("audit detail", "항목"),
    "login": lazy_pgettext("audit detail", "아이디"),
    "role": lazy_pgettext("audit detail", "역할"),
    "valid_from": lazy_pgettext("audit detail", "시작일"),
    "valid_to": lazy_pgettext("audit detail", "종료일"),
    "year": lazy_pgettext("audit detail", "연도"),
    "count": lazy_pgettext("audit detail", "건수"),
    "number": lazy_pgettext("audit detail", "번호"),
    "numbers": lazy_pgettext("audit detail", "번호"),
    "error": lazy_pgettext("audit detail", "오류"),
    "kind": lazy_pgettext("audit detail", "종류"),
    "to_facility": lazy_pgettext("audit detail", "받는 기관"),
    "from_facility": lazy_pgettext("audit detail", "보낸 기관"),
    "consent": lazy_pgettext("audit detail", "동의"),
    "previous_valid_to": lazy_pgettext("audit detail", "이전 종료일"),
    "days": lazy_pgettext("audit detail", "일수"),
    "closed_through": lazy_pgettext("audit detail", "마감일"),
    "subject": lazy_pgettext("audit detail", "대상자"),
    "ip": lazy_pgettext("audit detail", "접속 주소"),
    "filters": lazy_pgettext("audit detail", "조건"),
    "rows": lazy_pgettext("audit detail", "행 수"),
}
_DETAIL_VALUES = {
    "first_save": _l("처음 저장한 사람"),
    "team_leader": _l("팀장 지정"),
    "approved_request": _l("변경요청 승인"),
    "final": lazy_pgettext("record status", "저장"),
    "draft": lazy_pgettext("record status", "임시저장"),
    "locked": lazy_pgettext("record status", "확정"),
    True: _l("예"),
    False: _l("아니오"),
}

TARGET_TITLES = {
    "record": lazy_pgettext("audit detail", "기록"),
    "attachment": lazy_pgettext("audit detail", "첨부파일"),
    "facility": lazy_pgettext("audit detail", "기관"),
    "form": lazy_pgettext("audit detail", "양식"),
    "process_instance": lazy_pgettext("audit detail", "업무"),
    "task": lazy_pgettext("audit detail", "업무 단계"),
    "user": lazy_pgettext("audit detail", "사용자"),
    "audit_event": lazy_pgettext("audit detail", "감사 기록"),
    "audit_log": lazy_pgettext("audit detail", "감사 기록"),
}


def action_title(action: str) -> str:
    """The name of an audit action in the request's language; the id itself when unknown."""
    return str(ACTION_TITLES.get(action, action))


def action_titles(session: Session, facility_id: int) -> list[tuple[str, str]]:
    """(action, Korean title) of every action logged for the facility, for a select box."""
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.facility_id ==
                                                              facility_id).distinct())
    return sorted(((a, action_title(a)) for a in actions), key=lambda pair: pair[1])


def target_title(target_type: str | None) -> str:
    return str(TARGET_TITLES.get(target_type or "", target_type or ""))


# ---------------------------------------------------------------- search


@dataclass(frozen=True)
class AuditFilters:
    """What the administrator searches for; dates are Korean (KST) calendar days, inclusive."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    login: str | None = None
    action: str | None = None
    subject_id: int | None = None
    target_type: str | None = None
    target_id: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilters:
        """Read query-string values; an unreadable date or number is refused (400)."""

        def text(name: str, limit: int) -> str | None:
            value = (args.get(name) or "").strip()
            return value[:limit] or None

        def day(name: str, title: str) -> dt.date | None:
            value = text(name, 10)
            if value is None:
                return None
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise ServiceError(_("%(title)s 올바른 날짜가 아닙니다 (예: 2026-03-02).",
                                     title=josa(title, '이')),
                                   field=name) from None

        subject = text("subject", 18)
        if subject is not None and not subject.isdigit():
            raise ServiceError(_("대상자 번호는 숫자로 입력하세요."), field="subject")
        return cls(date_from=day("from", _("시작일")), date_to=day("to", _("종료일")),
                   login=text("login", 64), action=text("action", 64),
                   subject_id=int(subject) if subject else None,
                   target_type=text("target_type", 32), target_id=text("target_id", 64))

    def as_args(self) -> dict[str, str]:
        """The filters as query-string values (for paging links), empty ones left out."""
        names = {"date_from": "from", "date_to": "to", "subject_id": "subject"}
        return {names.get(key, key): str(value) for key, value in asdict(self).items()
                if value is not None}

    def conditions(self) -> list:
        found = []
        if self.date_from is not None:
            found.append(AuditEvent.occurred_at >= kst_day_start(self.date_from))
        if self.date_to is not None:
            found.append(AuditEvent.occurred_at < kst_day_start(self.date_to
                                                                + dt.timedelta(days=1)))
        for column, value in ((AuditEvent.login, self.login), (AuditEvent.action, self.action),
                              (AuditEvent.subject_id, self.subject_id),
                              (AuditEvent.target_type, self.target_type),
                              (AuditEvent.target_id, self.target_id)):
            if value is not None:
                found.append(column == value)
        return found


def kst_day_start(day: dt.date) -> dt.datetime:
    """Midnight of a Korean calendar day, as a UTC instant (how timestamps are stored)."""
    return dt.datetime.combine(day, dt.time.min, KST).astimezone(dt.UTC)


@dataclass(frozen=True)
class AuditPage:
    items: tuple[AuditEvent, ...]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search(session: Session, facility_id: int, filters: AuditFilters, page: int = 1
           ) -> AuditPage:
    """One facility's events matching ``filters``, newest first, ``PER_PAGE`` a page."""
    where = [AuditEvent.facility_id == facility_id, *filters.conditions()]
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    items = session.scalars(select(AuditEvent).where(*where).order_by(AuditEvent.id.desc())
                            .offset((page - 1) * PER_PAGE).limit(PER_PAGE))
    return AuditPage(tuple(items), total, page)


def record_view(session: Session, actor: Actor, facility_id: int, filters: AuditFilters,
                page: int) -> None:
    """Reading the audit log is itself audited (``audit.view``), in the caller's transaction."""
    record_event(session, "audit.view", actor, facility_id=facility_id, target_type="audit_log",
                 detail={"filters": filters.as_args(), "page": page})


def audit_workspace(session: Session, registry: Registry, user: User, facility_code: str,
                    day: dt.date) -> Workspace:
    """The facility's workspace for its audit log: its administrators', or a platform
    administrator's (who may hold no role in it); anyone else is refused (403)."""
    try:
        ws = open_workspace(session, registry, user, facility_code, day)
    except ServiceError as refused:
        if refused.status != 404 or not user.is_platform_admin:
            raise
        facility = session.scalar(select(Facility).where(Facility.code == facility_code))
        if facility is None:
            raise
        ws = Workspace(user, facility, tuple(user_facilities(session, user, day)),
                       Permissions(frozenset()), ())
    if not (ws.permissions.administers or user.is_platform_admin):
        raise ServiceError(_("감사 기록은 기관관리자만 볼 수 있습니다."), status=403)
    return ws


@transaction
def view(session: Session, actor: Actor, facility_id: int, filters: AuditFilters,
         page: int = 1) -> tuple[AuditPage, list[tuple[str, str]]]:
    """The search screen: a page of events and the actions to filter by; the view itself is
    audited (``audit.view``) and committed."""
    found = search(session, facility_id, filters, page)
    actions = action_titles(session, facility_id)
    record_view(session, actor, facility_id, filters, found.page)
    return found, actions


@transaction
def verify(session: Session, actor: Actor, facility_id: int | None = None) -> ChainCheck:
    """Check the whole chain and log that it was checked (``audit.verify``) afterwards;
    commits."""
    result = check_chain(session)
    record_event(session, "audit.verify", actor, facility_id=facility_id,
                 target_type="audit_log",
                 detail={"count": result.count, "problems": len(result.problems)})
    return result


def kst_time(value: dt.datetime | None) -> str:
    """A stored timestamp in Korean time, to the second (audit rows need the seconds)."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite returns naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")


def detail_text(detail: Mapping[str, Any] | None,
                names: Mapping[str, str] | None = None,
                roles: Mapping[str, str] | None = None) -> str:
    """The event's detail in words, compact enough for one table cell: ``업무: 수입·지출
    결의서 · 상태: 저장``. ``names`` turns ids (unit functions, forms) into their titles,
    ``roles`` the value of a ``role`` key (the facility's and the public-sector roles); a key
    without a Korean name is shown as it is."""
    names = names or {}
    roles = roles or {}

    def word(value: Any) -> str:
        if isinstance(value, bool) or value is None:
            return str(_DETAIL_VALUES.get(value, "")) if value is not None else "-"
        if isinstance(value, str):
            return content_text(names.get(value)) or str(_DETAIL_VALUES.get(value, value))
        if isinstance(value, int | float):
            return f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else str(value)
        if isinstance(value, list):
            return ", ".join(word(item) for item in value) or "-"
        return json.dumps(value, ensure_ascii=False)

    def shown(key: str, value: Any) -> str:
        if key == "role" and isinstance(value, str) and value in roles:
            return content_text(roles[value])
        return word(value)

    return " · ".join(f"{DETAIL_TITLES.get(key, key)}: {shown(key, value)}"
                      for key, value in (detail or {}).items())


# ---------------------------------------------------------------- retention


def retention_days() -> int:
    """``IEUM_AUDIT_RETENTION_DAYS`` or 730 (2 years)."""
    configured = os.environ.get(RETENTION_SETTING, "").strip()
    if not configured:
        return MIN_RETENTION_DAYS
    try:
        days = int(configured)
    except ValueError:
        raise ServiceError(_("%(setting)s 값은 일수(정수)여야 합니다: %(configured)s",
                             setting=RETENTION_SETTING, configured=configured)
                           ) from None
    if days < 1:
        raise ServiceError(_("%(setting)s 값은 1 이상이어야 합니다: %(configured)s",
                             setting=RETENTION_SETTING, configured=configured))
    return days


def purge(session: Session, before: dt.datetime, actor: Actor,
          detail: dict[str, Any] | None = None) -> int:
    """Delete the events older than ``before`` and append the ``audit.purge`` marker, both in
    the caller's transaction (commit it); the number of rows deleted."""
    return purge_events(session, before, actor, detail)


def purge_older_than(session: Session, days: int, actor: Actor, *, force: bool = False,
                     now: dt.datetime | None = None) -> int:
    """Purge what is older than ``days`` days; fewer than 730 days is refused unless forced."""
    if days < 1:
        raise ServiceError(_("보존 기간은 1일 이상이어야 합니다."))
    if days < MIN_RETENTION_DAYS and not force:
        raise ServiceError(
            _("접속기록은 최소 %(minimum)s일(2년) 보관해야 합니다 (개인정보의 안전성 "
              "확보조치 기준): %(days)s일은 너무 짧습니다. 꼭 필요하면 --force 를 붙이세요.",
              minimum=MIN_RETENTION_DAYS, days=days))
    before = (now or utcnow()) - dt.timedelta(days=days)
    return purge(session, before, actor, {"days": days, "forced": days < MIN_RETENTION_DAYS})
