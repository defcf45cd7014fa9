"""기부금 영수증: one numbered receipt per donor and year, from the 후원금·후원품 records.

A receipt sums a donor's cash donations and in-kind donations with a value (환산금액) received
in the calendar year; donors are matched by name (후원자명) to the 후원자 records. Receipts are
issued (발급) for the donors who asked for one (``receipt_wanted``): each gets the next serial
number of the year, ``2026-0001``, ``2026-0002`` …, written into the ``receipt_number`` of
that donor's donations of the year, so a number never changes once issued; issuing again
numbers only donors and donations that have none yet (a later donation of a numbered donor
takes the donor's number).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.definitions import Registry
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.conflicts import refuse_conflicts
from ieum.services.records import open_form, scoped_query
from ieum.services.transactions import transaction
from ieum.services.workspace import Workspace
from ieum.store.models import Record, utcnow

UNIT, DONATION_FORM, DONOR_FORM = "donations", "donation", "donor"
CONFLICT = _l("다른 사용자가 먼저 영수증을 발급했습니다. 화면을 새로 고치세요.")


@dataclass
class Receipt:
    donor_name: str
    year: int
    number: str | None = None
    wanted: bool = False
    registered: bool = False
    donor_type: str | None = None
    donations: list[Record] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(int(r.data.get("amount") or 0) for r in self.donations)

    @property
    def cash(self) -> int:
        return sum(int(r.data.get("amount") or 0) for r in self.donations
                   if r.data.get("kind") == "cash")

    @property
    def in_kind(self) -> int:
        return self.total - self.cash


def parse_year(value: object, today: dt.date) -> int:
    text = str(value or "").strip()
    if not text:
        return today.year
    if not re.fullmatch(r"(19|20)[0-9]{2}", text):
        raise ServiceError(_("연도는 네 자리 숫자로 입력하세요 (예: %(year)s).", year=today.year),
                           field="year")
    return int(text)


def _scopes(registry: Registry, workspace: Workspace, today: dt.date, actor: Actor):  # noqa: ANN202
    donations = open_form(registry, workspace, UNIT, DONATION_FORM, today, actor)
    donors = open_form(registry, workspace, UNIT, DONOR_FORM, today, actor)
    return donations, donors


def receipts(session: Session, registry: Registry, workspace: Workspace, year: int, *,
             today: dt.date, actor: Actor) -> list[Receipt]:
    """Every donor with donations of value in ``year`` (numbered first, then by name)."""
    donations, donors = _scopes(registry, workspace, today, actor)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = session.scalars(scoped_query(donations).where(
        Record.status == "final", Record.entry_date >= first, Record.entry_date <= last)
        .order_by(Record.entry_date, Record.id)).all()
    found: dict[str, Receipt] = {}
    for row in rows:
        name = str(row.data.get("donor_name") or "").strip()
        if not name or not int(row.data.get("amount") or 0):
            continue
        receipt = found.setdefault(name, Receipt(name, year))
        receipt.donations.append(row)
        number = row.data.get("receipt_number")
        if isinstance(number, str) and number.startswith(f"{year}-") and receipt.number is None:
            receipt.number = number
    for donor in session.scalars(scoped_query(donors).where(Record.status == "final")):
        receipt = found.get(str(donor.data.get("name") or "").strip())
        if receipt is not None:
            receipt.registered = True
            receipt.wanted = receipt.wanted or bool(donor.data.get("receipt_wanted"))
            receipt.donor_type = donor.data.get("donor_type")
    return sorted(found.values(), key=lambda r: (r.number is None, r.number or "", r.donor_name))


def _serial(number: str | None) -> int:
    match = re.fullmatch(r"[0-9]{4}-([0-9]{1,6})", number or "")
    return int(match.group(1)) if match else 0


@refuse_conflicts(CONFLICT)
def issue(session: Session, registry: Registry, workspace: Workspace, year: int, *,
          today: dt.date, actor: Actor) -> list[Receipt]:
    """발급: number the year's receipts of donors who want one; returns the newly numbered."""
    donations, _donors = _scopes(registry, workspace, today, actor)
    donations.require("update")
    if year > today.year:
        raise ServiceError(_("올해 이후 연도의 영수증은 발급할 수 없습니다."), field="year")
    found = receipts(session, registry, workspace, year, today=today, actor=actor)
    used = max((_serial(r.number) for r in found), default=0)
    issued = []
    for receipt in sorted(found, key=lambda r: (r.donations[0].entry_date, r.donor_name)):
        if not receipt.wanted:
            continue
        if receipt.number is None:
            used += 1
            receipt.number = f"{year}-{used:04d}"
            issued.append(receipt)
        for row in receipt.donations:
            if row.data.get("receipt_number") != receipt.number:
                row.data = {**row.data, "receipt_number": receipt.number}
                row.updated_at = utcnow()
    session.flush()
    if issued:
        record_event(session, "donation.receipts", actor, facility_id=workspace.facility.id,
                     target_type="unit_function", target_id=UNIT,
                     detail={"year": year, "numbers": [r.number for r in issued]})
    session.commit()
    return issued


def find(session: Session, registry: Registry, workspace: Workspace, number: str, *,
         today: dt.date, actor: Actor) -> Receipt:
    """One issued receipt by its number (404 when there is none)."""
    match = re.fullmatch(r"((?:19|20)[0-9]{2})-[0-9]{4,6}", number or "")
    if match is None:
        raise ServiceError(_("영수증을 찾을 수 없습니다."), status=404)
    for receipt in receipts(session, registry, workspace, int(match.group(1)), today=today,
                            actor=actor):
        if receipt.number == number:
            return receipt
    raise ServiceError(_("영수증을 찾을 수 없습니다."), status=404)


@transaction
def print_receipt(session: Session, registry: Registry, workspace: Workspace, number: str, *,
                  today: dt.date, actor: Actor) -> Receipt:
    """The receipt to print; printing it is audited (one transaction)."""
    found = find(session, registry, workspace, number, today=today, actor=actor)
    record_event(session, "donation.receipt.print", actor, facility_id=workspace.facility.id,
                 target_type="donation_receipt", target_id=found.number,
                 detail={"donations": [row.id for row in found.donations]})
    return found
