"""The ``x-sensitive`` classes of a form, enforced on records.

- ``rrn``: stored sealed (AES-GCM), shown masked, revealed only with the ``reveal_rrn`` grant
  (audited). An edit that leaves the number blank keeps the stored one.
- ``private`` on a boolean field: when it is true the whole record is 비공개: only its author,
  its assigned worker and those granted ``view_private`` (the facility's managers) see it.
- ``private`` on any other field: the field is shown only to those same people; others see
  "비공개" and cannot overwrite it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, false, func, or_

from ieum.access import privacy
from ieum.definitions.model import FormDef
from ieum.forms.fields import primary_type
from ieum.store.models import Record

PRIVATE_MARK = "비공개"


def rrn_fields(form: FormDef) -> list[str]:
    return [name for name, kind in form.sensitive.items() if kind == "rrn"]


def private_flags(form: FormDef) -> list[str]:
    """Boolean fields marked ``private``: the record's 비공개 switch."""
    return [name for name, kind in form.sensitive.items()
            if kind == "private" and primary_type(form.properties.get(name, {})) == "boolean"]


def private_fields(form: FormDef) -> list[str]:
    flags = set(private_flags(form))
    return [name for name, kind in form.sensitive.items()
            if kind == "private" and name not in flags]


def holds_personal_data(form: FormDef) -> bool:
    return bool(form.sensitive)


def may_see_private(user_id: int, record: Record, can_view_private: bool) -> bool:
    return can_view_private or user_id in (record.author_id, record.assignee_id)


def is_private_record(form: FormDef, data: Mapping[str, Any]) -> bool:
    return any(data.get(flag) is True for flag in private_flags(form))


def private_record_filter(form: FormDef, user_id: int):  # noqa: ANN201 - a SQL condition
    """Records the user may list although some are 비공개 (use when they lack view_private)."""
    conditions = [func.coalesce(Record.data[flag].as_boolean(), false()).is_(false())
                  for flag in private_flags(form)]
    if not conditions:
        return None
    return or_(Record.author_id == user_id, Record.assignee_id == user_id, and_(*conditions))


def public_record_condition(form: FormDef):  # noqa: ANN201 - a SQL condition
    """Records of a form with a 비공개 switch that are 공개 (the switch off), or None for a
    form without one. A 공개 record is seen by every staff member of the facility who may view
    the unit, whatever their record scope (자립지원 상담일지: "공개: 기관 내 모든 종사자 확인
    가능 / 비공개: 작성자, 담당자, 관리자만")."""
    conditions = [func.coalesce(Record.data[flag].as_boolean(), false()).is_(false())
                  for flag in private_flags(form)]
    return and_(*conditions) if conditions else None


def for_update(form: FormDef, submitted: Mapping[str, Any], stored: Mapping[str, Any], *,
               sees_private: bool) -> dict[str, Any]:
    """What an edit means: a blank resident number keeps the stored one; private fields the
    person cannot see keep their stored values."""
    data = dict(submitted)
    for name in rrn_fields(form):
        if not data.get(name) and privacy.is_sealed(stored.get(name)):
            data[name] = privacy.reveal(stored[name])
    if not sees_private:
        for name in private_fields(form) + private_flags(form):
            if name in stored:
                data[name] = stored[name]
            else:
                data.pop(name, None)
    return data


def sealed(form: FormDef, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with resident numbers sealed, ready to store."""
    out = dict(data)
    for name in rrn_fields(form):
        value = out.get(name)
        if isinstance(value, str) and value:
            out[name] = privacy.seal(value)
    return out


def shown(form: FormDef, data: Mapping[str, Any], *,
          sees_private: bool) -> tuple[dict[str, Any], frozenset[str]]:
    """The data a person may see (numbers masked, private fields left out) and the names of
    the fields left out."""
    out = dict(data)
    for name in rrn_fields(form):
        if name in out:
            out[name] = privacy.shown(out[name])
    hidden = frozenset()
    if not sees_private:
        hidden = frozenset(name for name in private_fields(form) if name in out)
        for name in hidden:
            out.pop(name)
    return out, hidden
