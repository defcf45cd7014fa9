"""What the frame of every signed-in page reads, in one statement: the navbar's unread notices
(the bell), the user's public roles today (the 지역 업무 and 콘텐츠 스튜디오 links) and the
published programs (the facility menu's 복지사업 신청). Each part is the statement its own
module runs alone (``unread_of``, ``valid_roles_of``, ``published_menu_select``), put side by
side with ``UNION ALL``: the answers are those three statements' answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    CompoundSelect,
    Date,
    Integer,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from ieum.access.officials import PublicRoles, roles_from, valid_roles_of
from ieum.services.catalog import MenuEntry, published_menu_select
from ieum.services.notifications import unread_of
from ieum.store.models_notify import Notification
from ieum.store.models_public import OfficialRole


@dataclass(frozen=True)
class Frame:
    unread: int
    roles: PublicRoles
    programs: list[MenuEntry]


def _statement() -> CompoundSelect:
    """The frame's statement, built once (with bound parameters for the user and the day):
    building it is most of its Python cost."""
    text = String()
    parts = union_all(
        select(literal("n").label("part"), func.count(Notification.id).label("n"),
               cast(null(), text).label("a"), cast(null(), text).label("b"))
        .where(*unread_of(_USER)),
        select(literal("r"), null(), OfficialRole.role, OfficialRole.region_code)
        .where(*valid_roles_of(_USER, _DAY)),
        published_menu_select(literal("p"), null()),
    )
    columns = parts.selected_columns
    return parts.order_by(columns.part, columns.b, columns.a)


_USER = bindparam("frame_user", type_=Integer())
_DAY = bindparam("frame_day", type_=Date())
_STATEMENT = _statement()


def read_frame(session: Session, user_id: int, day: dt.date) -> Frame:
    """The frame of ``user_id``'s pages on ``day``. Rows are (part, count, a, b): ``n`` the
    unread count; ``r`` a role valid on the day and its region; ``p`` a published program's
    code and name, in the menu's order (name, code)."""
    rows = session.execute(_STATEMENT, {"frame_user": user_id, "frame_day": day}).all()
    unread = next((count for part, count, _a, _b in rows if part == "n"), 0)
    return Frame(unread=unread or 0,
                 roles=roles_from((a, b) for part, _n, a, b in rows if part == "r"),
                 programs=[MenuEntry(a, b) for part, _n, a, b in rows if part == "p"])
