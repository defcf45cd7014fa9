"""A few months of history in the demo elderly care home: residents admitted, daily service
records, health checks and monthly fees. Fictitious people; resident numbers are left out
(the demo never holds a real-looking one)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ieum.services.demo import DemoContext
from ieum.store.models import Subject
from ieum_library.demo.residents import admit_resident

after = ("base",)

RESIDENTS = (("김순자", "female", "1938-04-12"), ("이복남", "male", "1941-09-03"),
             ("박정희", "female", "1936-12-25"), ("최영수", "male", "1944-06-18"))
CATEGORIES = ("health", "counselling", "education", "case_management")


def load(context: DemoContext) -> None:
    """Once per database (skipped when the care home already has residents)."""
    session, today = context.session, context.today
    facility = context.find_facility("demo-elderly")
    if facility is None or session.scalar(select(Subject.id).where(
            Subject.facility_id == facility.id).limit(1)) is not None:
        return
    manager = context.desk("manager", "demo-elderly")
    carer = context.desk("carer", "demo-elderly")
    for number, resident in enumerate(RESIDENTS):
        subject_id = admit_resident(manager, resident, context.day(120 - number * 10),
                                    "장기요양 1등급, 가정 돌봄이 어려움")
        for week in range(12):
            days_ago = 7 * week + number + 1
            if days_ago >= 110 - number * 10:
                continue
            carer.save("service_history", "service_record", {
                "service_date": context.day(days_ago),
                "category": CATEGORIES[(week + number) % len(CATEGORIES)],
                "content": "정기 돌봄과 상태 확인", "provider": "박요양", "minutes": 30},
                subject_id)
        for month in range(3):
            carer.save("health_management", "health_check", {
                "check_date": context.day(30 * month + 3), "height": 155 + number,
                "weight": 52 + number * 2}, subject_id)
            billing = (today.replace(day=1) - dt.timedelta(days=30 * month)).strftime("%Y-%m")
            manager.save("usage_fee", "fee_payment", {
                "billing_month": billing, "billed_amount": 520_000, "paid_amount": 520_000,
                "paid_on": context.day(30 * month + 2), "payment_method": "transfer"},
                subject_id)
