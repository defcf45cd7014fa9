"""A report's life: generate, check, submit (facility head only), return with a reason,
correct and resubmit, accept; every submission kept; officials of another region see nothing;
stale versions get 409; the review runs as the 결재 process owned by the facility."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ieum.access.audit import Actor
from ieum.access.officials import public_roles
from ieum.services import ServiceError, reports
from ieum.services.reports import review
from ieum.store.models import AuditEvent, ProcessInstance, Task, User
from ieum.store.models_reports import Report
from tests.reportutil import TODAY, make_report_app, runtime, save, workspace


@pytest.fixture
def app(make_app, migrated_url):
    return make_report_app(make_app, migrated_url)


def _official(session, login: str):  # noqa: ANN202
    user = session.scalar(select(User).where(User.login == login))
    return user, public_roles(session, user, TODAY)


def _generate(app, session, login: str = "chief", period: str = "2026-10") -> Report:
    registry = app.extensions["ieum.registry"]
    return reports.generate_report(session, registry, workspace(session, registry, login),
                                   "admissions", period, TODAY, Actor(login=login))


def test_return_correct_resubmit_accept(app) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        report = _generate(app, s)
        assert report.status == "draft" and report.content["figures"][0]["value"] == 3
        with pytest.raises(ServiceError) as refused:  # a team leader prepares, cannot submit
            reports.submit_report(s, runtime(app, s, "chief"), workspace(s, registry, "chief"),
                                  report.id, report.version)
        assert refused.value.status == 403
        reports.submit_report(s, runtime(app, s, "head"), workspace(s, registry, "head"),
                              report.id, report.version)
        assert report.status == "submitted"

        # the official's decision task belongs to the facility's review process
        (task,) = s.scalars(select(Task).where(Task.state == "ready",
                                               Task.role == "region_official")).all()
        instance = s.get(ProcessInstance, task.instance_id)
        assert (instance.process_id, instance.facility_id) == ("report_review",
                                                               report.facility_id)
        assert task.form_id == "approval_decision"
        official, roles = _official(s, "guofficial")
        assert [a.report.id for a in review.review_inbox(s, roles)] == [report.id]

        with pytest.raises(ServiceError) as no_reason:
            review.decide(s, runtime(app, s, "guofficial"), official, roles, report.id,
                          {"decision": "return", "reason": "  "}, report.version)
        assert no_reason.value.status == 400 and no_reason.value.field == "reason"
        review.decide(s, runtime(app, s, "guofficial"), official, roles, report.id,
                      {"decision": "return", "reason": "라온의 정원 구분을 확인하세요."},
                      report.version)
        assert report.status == "returned"
        assert report.return_reason == "라온의 정원 구분을 확인하세요."
        assert s.get(ProcessInstance, task.instance_id).status == "completed"
        assert review.review_inbox(s, roles) == []

        # correction: a new admission in the month, then regenerate and resubmit
        kid = save(s, registry, "head", "subject_management", "subject_basic", {
            "name": "사랑", "birth_date": "2016-01-01", "sex": "male", "status": "admitted",
            "admission_date": "2026-10-25"}).subject_id
        save(s, registry, "head", "admission_discharge", "admission", {
            "admission_date": "2026-10-25", "admission_type": "new",
            "admission_route": "family", "admission_reason": "보호", "capacity_type": "within"},
            kid)
        with pytest.raises(ServiceError) as changed:  # records changed since generation
            reports.submit_report(s, runtime(app, s, "head"), workspace(s, registry, "head"),
                                  report.id, report.version)
        assert changed.value.status == 409
        s.refresh(report)
        reports.regenerate_report(s, registry, workspace(s, registry, "chief"), report.id,
                                  report.version, TODAY, Actor(login="chief"))
        reports.update_note(s, registry, workspace(s, registry, "chief"), report.id,
                            "누락된 입소 1건을 더했습니다.", report.version, Actor(login="chief"))
        reports.submit_report(s, runtime(app, s, "head"), workspace(s, registry, "head"),
                              report.id, report.version)
        review.decide(s, runtime(app, s, "guofficial"), official, roles, report.id,
                      {"decision": "approve"}, report.version)
        s.refresh(report)
        assert report.status == "accepted" and report.return_reason is None
        first, second = report.submissions
        assert (first.number, first.outcome, first.reason) == (
            1, "returned", "라온의 정원 구분을 확인하세요.")
        assert (second.number, second.outcome, second.note) == (
            2, "accepted", "누락된 입소 1건을 더했습니다.")
        # each submission keeps the figures it was sent with
        assert first.content["figures"][0]["value"] == 3
        assert second.content["figures"][0]["value"] == 4
        with pytest.raises(ServiceError) as done:
            reports.regenerate_report(s, registry, workspace(s, registry, "chief"), report.id,
                                      report.version, TODAY, Actor(login="chief"))
        assert done.value.status == 409
        actions = list(s.scalars(select(AuditEvent.action).where(
            AuditEvent.target_type == "report").order_by(AuditEvent.id)))
        assert actions.count("report.submit") == 2
        assert "report.return" in actions and "report.accept" in actions


def test_another_regions_official_gets_404(app) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        report = _generate(app, s)
        reports.submit_report(s, runtime(app, s, "head"), workspace(s, registry, "head"),
                              report.id, report.version)
        official, roles = _official(s, "elsewhere")
        assert review.review_inbox(s, roles) == []
        with pytest.raises(ServiceError) as hidden:
            review.get_region_report(s, roles, report.id)
        assert hidden.value.status == 404
        with pytest.raises(ServiceError) as refused:
            review.decide(s, runtime(app, s, "elsewhere"), official, roles, report.id,
                          {"decision": "approve"}, report.version)
        assert refused.value.status == 404
        assert [f.code for f in review.region_facilities(s, roles)] == ["far"]
        head = s.scalar(select(User).where(User.login == "head"))
        with pytest.raises(ServiceError) as not_official:
            review.official_roles(s, head, TODAY)
        assert not_official.value.status == 403


def test_a_draft_is_not_shown_to_officials(app) -> None:
    with app.extensions["ieum.database"].session() as s:
        report = _generate(app, s)
        _official_user, roles = _official(s, "guofficial")
        with pytest.raises(ServiceError) as hidden:
            review.get_region_report(s, roles, report.id)
        assert hidden.value.status == 404


def test_stale_versions_get_409_in_korean(app) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        report = _generate(app, s)
        old = report.version
        reports.update_note(s, registry, workspace(s, registry, "chief"), report.id, "첫 의견",
                            old, Actor(login="chief"))
        with pytest.raises(ServiceError) as stale:
            reports.submit_report(s, runtime(app, s, "head"), workspace(s, registry, "head"),
                                  report.id, old)
        assert stale.value.status == 409 and "다른 사용자" in stale.value.message
        reports.submit_report(s, runtime(app, s, "head"), workspace(s, registry, "head"),
                              report.id, report.version)
        official, roles = _official(s, "guofficial")
        with pytest.raises(ServiceError) as stale_decision:
            review.decide(s, runtime(app, s, "guofficial"), official, roles, report.id,
                          {"decision": "approve"}, old)
        assert stale_decision.value.status == 409


def test_errors_in_the_check_block_submission(app) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        report = _generate(app, s, period="2026-11")  # the month is not over
        assert any(p["level"] == "error" and "끝나지 않았습니다" in p["message"]
                   for p in report.problems)
        with pytest.raises(ServiceError) as blocked:
            reports.submit_report(s, runtime(app, s, "head"), workspace(s, registry, "head"),
                                  report.id, report.version)
        assert blocked.value.status == 409
        assert s.scalar(select(func.count(ProcessInstance.id))) == 0


def test_personal_reports_are_audited_when_viewed(app) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        report = _generate(app, s)
        reports.view_report(s, registry, workspace(s, registry, "chief"), report.id,
                            Actor(login="chief"))
        reports.submit_report(s, runtime(app, s, "head"), workspace(s, registry, "head"),
                              report.id, report.version)
        _user, roles = _official(s, "guofficial")
        review.view_region_report(s, roles, report.id, runtime(app, s, "guofficial"))
        views = s.execute(select(AuditEvent.login, AuditEvent.detail).where(
            AuditEvent.action == "report.view").order_by(AuditEvent.id)).all()
        assert [(login, detail["by"]) for login, detail in views] == [
            ("chief", "facility"), ("guofficial", "official")]


def test_a_wrong_period_is_a_korean_400(app) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        for period in ["2026-13", "10-2026", "", "2026-Q4", "abc", None]:
            with pytest.raises(ServiceError) as wrong:
                reports.generate_report(s, registry, workspace(s, registry, "chief"),
                                        "admissions", period, TODAY, Actor(login="chief"))
            assert wrong.value.status == 400 and "2026-10" in wrong.value.message
