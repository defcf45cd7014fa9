"""Registering facilities of a facility type (profile)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.definitions import Registry
from ieum.services import ServiceError
from ieum.store.models import Facility

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
REGION_PATTERN = re.compile(r"^\d{5}$")  # 시·군·구 code of the administrative district


def create_facility(session: Session, registry: Registry, *, code: str, name: str,
                    profile_code: str, region_code: str, capacity: int | None = None,
                    actor: Actor | None = None) -> Facility:
    if not CODE_PATTERN.match(code):
        raise ServiceError(
            "기관 코드는 영문 소문자, 숫자, '-'로 된 2~32자여야 합니다.", field="code"
        )
    if not name.strip():
        raise ServiceError("기관명은 필수 입력 항목입니다.", field="name")
    profile = registry.profiles.get(profile_code)
    if profile is None:
        raise ServiceError(f"등록되지 않은 시설유형입니다: {profile_code}", field="profile_code")
    if not REGION_PATTERN.match(region_code):
        raise ServiceError("시·군·구 코드는 숫자 5자리여야 합니다.", field="region_code")
    if capacity is not None and capacity < 0:
        raise ServiceError("정원은 0 이상이어야 합니다.", field="capacity")
    if session.scalar(select(Facility.id).where(Facility.code == code)) is not None:
        raise ServiceError(f"이미 등록된 기관 코드입니다: {code}", field="code", status=409)
    facility = Facility(code=code, name=name.strip(), profile_code=profile_code,
                        region_code=region_code, capacity=capacity,
                        official_kind_code=profile.official_kind_code)
    session.add(facility)
    session.flush()
    record_event(session, "facility.create", actor or Actor(), facility_id=facility.id,
                 target_type="facility", target_id=facility.id,
                 detail={"code": code, "profile": profile_code})
    return facility
