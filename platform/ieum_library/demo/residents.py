"""Registering a demo resident and their admission, as the chapters with residents do."""

from __future__ import annotations

from ieum.services.demo import Desk


def admit_resident(desk: Desk, resident: tuple[str, str, str], admitted: str,
                   reason: str) -> int:
    """Register a resident (name, sex, birth date) and record their admission (정원 내, from
    the family) on ``admitted``; the subject's id."""
    name, sex, born = resident
    subject_id = desk.save("subject_management", "subject_basic", {
        "name": name, "birth_date": born, "sex": sex, "status": "admitted",
        "admission_date": admitted}).subject_id
    desk.save("admission_discharge", "admission", {
        "admission_date": admitted, "admission_type": "new", "admission_route": "family",
        "admission_reason": reason, "capacity_type": "within"}, subject_id)
    return subject_id
