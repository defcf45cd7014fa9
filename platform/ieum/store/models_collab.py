"""Tables of the collaboration layer (정보공유 및 협업, seed 002 3-Layer).

- ``sharing_consent``: a person's consent to sharing (정보공유 동의), recorded in one facility;
  it covers the person (every facility), until it is withdrawn.
- ``referral``: 서비스의뢰 from one facility to another (also a life-stage hand-over, 연계),
  with what it discloses and how it was decided.
- ``unmet_need``: a need that found no resource (미충족 욕구), matched when a place opens.
- ``collab_notice``: a message to a facility (a vacancy matched a need, a referral decided).

Occupancy (현원) has no table: it is counted from admission and discharge records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ieum.store.models import Base, JSONDocument, Versioned, utcnow

CONSENT_SCOPES = {"history": "통합 서비스 이력 조회", "referral": "서비스의뢰 시 정보 제공"}
REFERRAL_STATUSES = {"requested": "검토 중", "accepted": "수락", "rejected": "거절",
                     "cancelled": "취소"}
REFERRAL_KINDS = {"referral": "서비스의뢰", "handover": "생애주기 연계"}
NEED_STATUSES = {"open": "대기", "matched": "자원 발견", "closed": "종결"}


class SharingConsent(Base):
    """정보공유 동의 of one person: scopes, the fields a referral may disclose, withdrawal."""

    __tablename__ = "sharing_consent"
    __table_args__ = (
        CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= consented_on",
                        name="withdrawn_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    scopes: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    fields: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    method: Mapped[str] = mapped_column(String(16))
    consented_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class Referral(Versioned, Base):
    """서비스의뢰 (or 연계) from facility A's subject to facility B."""

    __tablename__ = "referral"
    __table_args__ = (
        CheckConstraint("kind IN ('referral', 'handover')", name="kind"),
        CheckConstraint("status IN ('requested', 'accepted', 'rejected', 'cancelled')",
                        name="status"),
        CheckConstraint("from_facility_id <> to_facility_id", name="other_facility"),
        Index("ix_referral_from_facility_status", "from_facility_id", "status"),
        Index("ix_referral_to_facility_status", "to_facility_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="referral")
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    from_facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    from_subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    to_facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    to_subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    service: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    shared_fields: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    shared_data: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("sharing_consent.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    review_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    result_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))


class UnmetNeed(Base):
    """A need registered by the facility that could not meet it (수요자 등록)."""

    __tablename__ = "unmet_need"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'matched', 'closed')", name="status"),
        Index("ix_unmet_need_status_region", "status", "region_code", "profile_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"))
    region_code: Mapped[str] = mapped_column(String(10))
    profile_code: Mapped[str] = mapped_column(String(64))
    need: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    matched_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    matched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CollabNotice(Base):
    """알림 to a facility from the collaboration layer."""

    __tablename__ = "collab_notice"
    __table_args__ = (Index("ix_collab_notice_facility_read", "facility_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(500))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("unmet_need.id"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
