"""Every figure of a generated report equals a direct count or sum over the source records,
written here in SQL (JSON operators of each engine), on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from ieum.access.audit import Actor
from ieum.services import reports
from ieum.services.reports.content import figure_values
from ieum.store.models import Facility, Record
from tests.reportutil import TODAY, make_report_app, workspace


@pytest.fixture
def app(make_app, migrated_url):
    return make_report_app(make_app, migrated_url)


def _saved(facility_id: int, form_id: str):  # noqa: ANN202 - SQL conditions
    return and_(Record.facility_id == facility_id, Record.form_id == form_id,
                Record.status.in_(("final", "locked")), Record.deleted_at.is_(None))


def _field(name: str):  # noqa: ANN202
    return Record.data[name].as_string()


def _count(session: Session, facility_id: int, form_id: str, *conditions) -> int:
    return session.scalar(select(func.count(Record.id)).where(
        _saved(facility_id, form_id), *conditions)) or 0


def _sum(session: Session, facility_id: int, form_id: str, amount: str, *conditions) -> int:
    return session.scalar(select(func.coalesce(func.sum(Record.data[amount].as_integer()), 0))
                          .where(_saved(facility_id, form_id), *conditions)) or 0


def _grouped(session: Session, facility_id: int, form_id: str, name: str,
             *conditions) -> dict[str, int]:
    rows = session.execute(select(_field(name), func.count(Record.id))
                           .where(_saved(facility_id, form_id), *conditions)
                           .group_by(text("1")))
    return {key: n for key, n in rows if key is not None}


def _items_by_account(session: Session, facility_id: int, kind: str, funding: str,
                      start: str, end: str) -> dict[str, int]:
    """Sums of the resolution rows (items) per budget item, expanding the JSON array."""
    if session.get_bind().dialect.name == "postgresql":
        sql = """SELECT i->>'account', SUM((i->>'amount')::bigint)
                 FROM record r, jsonb_array_elements(r.data->'items') i
                 WHERE r.facility_id = :f AND r.form_id = 'resolution'
                   AND r.status IN ('final', 'locked') AND r.deleted_at IS NULL
                   AND r.data->>'kind' = :kind AND r.data->>'funding' = :funding
                   AND r.data->>'resolved_on' BETWEEN :a AND :b
                 GROUP BY 1"""
    else:
        sql = """SELECT json_extract(i.value, '$.account'), SUM(json_extract(i.value, '$.amount'))
                 FROM record r, json_each(r.data, '$.items') i
                 WHERE r.facility_id = :f AND r.form_id = 'resolution'
                   AND r.status IN ('final', 'locked') AND r.deleted_at IS NULL
                   AND json_extract(r.data, '$.kind') = :kind
                   AND json_extract(r.data, '$.funding') = :funding
                   AND json_extract(r.data, '$.resolved_on') BETWEEN :a AND :b
                 GROUP BY 1"""
    rows = session.execute(text(sql), {"f": facility_id, "kind": kind, "funding": funding,
                                       "a": start, "b": end})
    return {account: int(total) for account, total in rows}


def _generate(app, kind: str, period: str) -> tuple[dict[str, int], int]:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as session:
        ws = workspace(session, registry, "chief")
        report = reports.generate_report(session, registry, ws, kind, period, TODAY,
                                         Actor(login="chief"))
        return figure_values(report.content), report.facility_id


def _session(app) -> Session:
    return app.extensions["ieum.database"].session()


def test_admission_report_figures_are_direct_counts(app) -> None:
    figures, home = _generate(app, "admissions", "2026-10")
    a, b = "2026-10-01", "2026-10-31"
    registry = app.extensions["ieum.registry"]
    types = [o["const"] for o in registry.forms["admission"].properties["admission_type"]["oneOf"]]
    reasons = [o["const"] for o in
               registry.forms["discharge"].properties["discharge_reason"]["oneOf"]]
    with _session(app) as s:
        admitted = _field("admission_date").between(a, b)
        discharged = _field("discharge_date").between(a, b)
        by_type = _grouped(s, home, "admission", "admission_type", admitted)
        by_reason = _grouped(s, home, "discharge", "discharge_reason", discharged)
        expected = {
            "admitted": _count(s, home, "admission", admitted),
            "discharged": _count(s, home, "discharge", discharged),
            "admitted_within_capacity": _count(s, home, "admission", admitted,
                                               _field("capacity_type") == "within"),
            **{f"admitted_by_type:{t}": by_type.get(t, 0) for t in types},
            **{f"discharged_by_reason:{r}": by_reason.get(r, 0) for r in reasons},
            "occupancy_end": _count(s, home, "admission", _field("admission_date") <= b)
            - _count(s, home, "discharge", _field("discharge_date") <= b),
        }
    assert figures == expected
    # the seeded records make each filter matter: a draft, a deleted record and records
    # just outside the month are left out
    assert (figures["admitted"], figures["discharged"], figures["occupancy_end"]) == (3, 1, 4)


def test_staff_report_figures_are_direct_counts(app) -> None:
    figures, home = _generate(app, "staff_changes", "2026-10")
    a, b = "2026-10-01", "2026-10-31"
    with _session(app) as s:
        hired = _field("hired_on").between(a, b)
        left = _field("left_on").between(a, b)
        hired_by = _grouped(s, home, "staff_card", "job_type", hired)
        left_by = _grouped(s, home, "staff_card", "job_type", left)
        expected = {
            "hired": _count(s, home, "staff_card", hired),
            "left": _count(s, home, "staff_card", left),
            "active_end": _count(s, home, "staff_card", _field("hired_on") <= b,
                                 or_(_field("left_on").is_(None), _field("left_on") > b)),
            "change_reports": _count(s, home, "staff_change_report",
                                     _field("changed_on").between(a, b)),
        }
        for job in set(hired_by) | set(left_by):
            expected[f"hired_by_job:{job}"] = hired_by.get(job, 0)
            expected[f"left_by_job:{job}"] = left_by.get(job, 0)
    assert figures == expected
    assert (figures["hired"], figures["left"], figures["active_end"]) == (2, 1, 3)


def _resolution_total(s: Session, home: int, kind: str, funding: str, a: str, b: str) -> int:
    return _sum(s, home, "resolution", "total", _field("kind") == kind,
                _field("funding") == funding, _field("resolved_on").between(a, b))


def test_subsidy_request_figures_are_direct_sums(app) -> None:
    figures, home = _generate(app, "subsidy_request", "2026-Q4")
    a, b = "2026-07-01", "2026-09-30"  # the quarter before: the basis of the request
    with _session(app) as s:
        active = (_field("hired_on") <= b, or_(_field("left_on").is_(None),
                                               _field("left_on") > b))
        spent = _resolution_total(s, home, "expense", "subsidy", a, b)
        expected = {
            "staff_active": _count(s, home, "staff_card", *active),
            **{f"staff_by_job:{job}": n for job, n in
               _grouped(s, home, "staff_card", "job_type", *active).items()},
            "payroll_total": _sum(s, home, "payroll_register", "total_pay",
                                  _field("pay_month").in_(["2026-07", "2026-08", "2026-09"])),
            "subsidy_income": _resolution_total(s, home, "income", "subsidy", a, b),
            "subsidy_spent": spent,
            **{f"spent_by_account:{k}": v for k, v in
               _items_by_account(s, home, "expense", "subsidy", a, b).items()},
            "requested": spent,
        }
    assert figures == expected
    assert figures["subsidy_spent"] == 6_500_000 and figures["payroll_total"] == 6_500_000


def test_subsidy_settlement_figures_are_direct_sums(app) -> None:
    figures, home = _generate(app, "subsidy_settlement", "2025")
    a, b = "2025-01-01", "2025-12-31"
    with _session(app) as s:
        income = _resolution_total(s, home, "income", "subsidy", a, b)
        spent = _resolution_total(s, home, "expense", "subsidy", a, b)
        expected = {
            "subsidy_income": income, "subsidy_spent": spent, "balance": income - spent,
            **{f"income_by_account:{k}": v for k, v in
               _items_by_account(s, home, "income", "subsidy", a, b).items()},
            **{f"spent_by_account:{k}": v for k, v in
               _items_by_account(s, home, "expense", "subsidy", a, b).items()},
        }
    assert figures == expected
    assert (income, spent) == (47_000_000, 25_300_000)


def test_donation_report_figures_are_direct_sums(app) -> None:
    figures, home = _generate(app, "donations", "2025")
    a, b = "2025-01-01", "2025-12-31"
    with _session(app) as s:
        year = _field("received_on").between(a, b)
        cash = _field("kind") == "cash"
        designated = Record.data["designated"].as_boolean().is_(True)
        cash_total = _sum(s, home, "donation", "amount", year, cash)
        spent = _resolution_total(s, home, "expense", "donation", a, b)
        expected = {
            "donors": s.scalar(select(func.count(func.distinct(_field("donor_name"))))
                               .where(_saved(home, "donation"), year)),
            "cash_count": _count(s, home, "donation", year, cash),
            "cash_total": cash_total,
            "designated_total": _sum(s, home, "donation", "amount", year, cash, designated),
            "undesignated_total": _sum(s, home, "donation", "amount", year, cash,
                                       or_(Record.data["designated"].as_boolean().is_(False),
                                           Record.data["designated"].as_boolean().is_(None))),
            "in_kind_count": _count(s, home, "donation", year, _field("kind") == "in_kind"),
            "spent_total": spent,
            "balance": cash_total - spent,
            **{f"spent_by_account:{k}": v for k, v in
               _items_by_account(s, home, "expense", "donation", a, b).items()},
        }
    assert figures == expected
    assert (figures["cash_total"], figures["donors"]) == (1_500_000, 3)


def test_the_snapshot_keeps_the_rows_behind_the_figures(app) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as session:
        ws = workspace(session, registry, "chief")
        report = reports.generate_report(session, registry, ws, "admissions", "2026-10", TODAY,
                                         Actor(login="chief"))
        tables = {t["key"]: t for t in report.content["tables"]}
        assert [r["name"] for r in tables["admitted"]["rows"]] == ["다솜", "라온", "마루"]
        assert [r["name"] for r in tables["discharged"]["rows"]] == ["가온"]
        ids = {r["record_id"] for t in tables.values() for r in t["rows"]}
        assert ids == set(report.content["source_records"])
        facility = session.get(Facility, report.facility_id)
        assert report.content["facility"]["name"] == facility.name
        assert report.due_date.isoformat() == "2026-11-10"
        assert {p["level"] for p in report.problems} == {"warning"}  # a draft, not closed
