"""마감 관리: per unit function of a facility, the date through which entries are closed.

Records dated on or before a unit's closing date are refused (``records._refuse_closed``).
Closing moves forward freely; moving it back (reopening a closed period) needs a stated
reason. Every change is audited as ``closing.set``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.i18n import gettext as _
from ieum.services import ServiceError, form_date
from ieum.services.transactions import transaction
from ieum.services.workspace import Workspace
from ieum.store.models import Closing, User


@dataclass(frozen=True)
class ClosingState:
    """One unit function of the menu with its closing date (None: nothing closed)."""

    unit_id: str
    title: str
    group: str
    closed_through: dt.date | None
    set_at: dt.datetime | None
    set_by: str | None


def _administrator(workspace: Workspace) -> None:
    if workspace.facility is None:
        raise ServiceError(_("기관을 찾을 수 없습니다."), status=404)
    if not workspace.permissions.administers:
        raise ServiceError(_("기관관리자만 마감을 관리할 수 있습니다."), status=403)


def _menu_titles(workspace: Workspace) -> dict[str, tuple[str, str]]:
    """unit id -> (group title, item title), in menu order."""
    return {item.unit_id: (group.title, item.title)
            for group in workspace.menu for item in group.items}


def closing_states(session: Session, workspace: Workspace) -> list[ClosingState]:
    """Every unit function on the administrator's menu, in menu order, with its closing."""
    _administrator(workspace)
    rows = {c.unit_function: c for c in session.scalars(
        select(Closing).where(Closing.facility_id == workspace.facility.id))}
    names: dict[int, str] = {}
    if rows:
        setters = {c.set_by_id for c in rows.values()}
        names = {user_id: name for user_id, name in session.execute(
            select(User.id, User.name).where(User.id.in_(setters)))}
    states = []
    for unit_id, (group, title) in _menu_titles(workspace).items():
        row = rows.get(unit_id)
        states.append(ClosingState(
            unit_id, title, group, row.closed_through if row else None,
            row.set_at if row else None, names.get(row.set_by_id) if row else None))
    return states


def set_closing(session: Session, workspace: Workspace, unit_id: str,
                closed_through: dt.date, actor: Actor, reason: str | None = None, *,
                today: dt.date | None = None) -> Closing:
    """Close ``unit_id`` through ``closed_through`` (flushes; the caller commits).

    Refused: a user who does not administer the facility (403), a unit not on its menu (404),
    a date after ``today`` when given (400), moving the date back without a reason (400).
    Setting the date it already has changes nothing and is not audited.
    """
    _administrator(workspace)
    titles = _menu_titles(workspace)
    if unit_id not in titles:
        raise ServiceError(_("메뉴를 찾을 수 없습니다."), status=404)
    if today is not None and closed_through > today:
        raise ServiceError(_("마감일은 오늘(%(today)s) 이후로 정할 수 없습니다.",
                             today=today.strftime("%Y-%m-%d")),
                           field="closed_through")
    facility = workspace.facility
    closing = session.scalar(select(Closing).where(
        Closing.facility_id == facility.id, Closing.unit_function == unit_id)
        .with_for_update())
    previous = closing.closed_through if closing is not None else None
    if previous == closed_through:
        return closing
    reopened = previous is not None and closed_through < previous
    text = (reason or "").strip()
    if reopened and len(text) < 2:
        raise ServiceError(
            _("마감일을 %(previous)s에서 %(closed_through)s로 되돌리려면 사유를 입력하세요.",
              previous=previous.strftime("%Y-%m-%d"),
              closed_through=closed_through.strftime("%Y-%m-%d")), field="reason")
    if len(text) > 200:
        raise ServiceError(_("사유는 200자 이하로 입력하세요."), field="reason")
    if closing is None:
        closing = Closing(facility_id=facility.id, unit_function=unit_id,
                          closed_through=closed_through, set_by_id=actor.user_id)
        # No savepoint: on SQLite, releasing a savepoint that opened the transaction commits
        # it, which would keep the closing without its audit row. A clash refuses the whole
        # request instead (the caller rolls back).
        try:
            session.add(closing)
            session.flush()
        except IntegrityError:  # another administrator closed it at the same moment
            raise ServiceError(_("다른 관리자가 먼저 마감을 "
                                 "변경했습니다. 화면을 새로 고친 뒤 다시 "
                                 "시도하세요."), status=409) from None
    else:
        closing.closed_through = closed_through
        closing.set_by_id = actor.user_id
        closing.set_at = dt.datetime.now(dt.UTC)
    session.flush()
    detail = {"unit": unit_id, "closed_through": closed_through.isoformat(),
              "previous": previous.isoformat() if previous else None, "reopened": reopened}
    if text:
        detail["reason"] = text
    record_event(session, "closing.set", actor, facility_id=facility.id,
                 target_type="closing", target_id=unit_id, detail=detail)
    return closing


@transaction
def close_unit(session: Session, workspace: Workspace, unit_id: str, closed_through: str | None,
               actor: Actor, reason: str | None = None, *,
               today: dt.date) -> tuple[dt.date, dt.date | None]:
    """The 마감 관리 form: close ``unit_id`` through the date as typed; commits. Returns the
    date and the closing date it had before (None: nothing was closed)."""
    day = form_date(closed_through, "closed_through", today)
    before = next((s.closed_through for s in closing_states(session, workspace)
                   if s.unit_id == unit_id), None)
    set_closing(session, workspace, unit_id, day, actor, reason=reason, today=today)
    return day, before
