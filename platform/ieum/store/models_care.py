"""Tables of community care (지역사회 중심 통합돌봄, seed 002 4-Layer).

- ``placement_decision``: a 시·군·구's protective placement of a child (보호조치 결정): the
  assessment, the placement type, the receiving facility chosen among those with vacancies,
  what was carried over to it, and the receiving facility's answer.
- ``care_case``: a community care case (통합돌봄 사례) opened by a coordinator of a region for a
  person, with the person's consent (what the invited agencies may see).
- ``care_case_agency``: a facility or agency invited into a case.
- ``care_plan_item``: a service an agency will give, on the case's one shared care plan.
- ``care_review``: a periodic review of a case (and its closure or hand-over).

The library (its community-care package) owns the rules; the tables are the
kernel's so that they migrate with the schema, as the collaboration tables do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ieum.store.models import Base, JSONDocument, utcnow

PLACEMENT_STATUSES = {"decided": "입소 검토 중", "accepted": "입소 수락",
                      "declined": "입소 불가(재결정 필요)"}
CASE_STATUSES = {"open": "진행", "closed": "종결"}


class PlacementDecision(Base):
    """보호조치 결정 of one child by a region's official."""

    __tablename__ = "placement_decision"
    __table_args__ = (
        CheckConstraint("status IN ('decided', 'accepted', 'declined')", name="status"),
        Index("ix_placement_decision_region", "region_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(10))
    child_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(10))
    protection_reason: Mapped[str] = mapped_column(String(32))
    assessment: Mapped[str] = mapped_column(Text)
    placement_type: Mapped[str] = mapped_column(String(32))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    carried_fields: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    carried_data: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="decided")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    answer_reason: Mapped[str | None] = mapped_column(Text)


class CareCase(Base):
    """통합돌봄 사례 of one person, led by a coordinator of a region."""

    __tablename__ = "care_case"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        Index("ix_care_case_region", "region_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(10))
    target_group: Mapped[str] = mapped_column(String(16))
    person_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(10))
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    needs: Mapped[str] = mapped_column(Text)
    consent_method: Mapped[str] = mapped_column(String(16))
    consented_on: Mapped[dt.date] = mapped_column(Date)
    consent_fields: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_on: Mapped[dt.date] = mapped_column(Date)
    next_review_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CareCaseAgency(Base):
    """A facility or agency invited into a care case."""

    __tablename__ = "care_case_agency"
    __table_args__ = (Index("ix_care_case_agency_case", "case_id", "facility_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("care_case.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    invited_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    request: Mapped[str | None] = mapped_column(Text)


class CarePlanItem(Base):
    """A service one agency will give, on the case's shared care plan."""

    __tablename__ = "care_plan_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("care_case.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    service: Mapped[str] = mapped_column(String(200))
    frequency: Mapped[str] = mapped_column(String(100))
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CareReview(Base):
    """A review of a care case: what was found, what follows (계속, 조정, 종결, 이관)."""

    __tablename__ = "care_review"
    __table_args__ = (
        CheckConstraint("outcome IN ('continue', 'adjust', 'close', 'handover')",
                        name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("care_case.id"), index=True)
    reviewed_on: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    next_review_on: Mapped[dt.date | None] = mapped_column(Date)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
