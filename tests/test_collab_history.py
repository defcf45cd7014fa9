"""One person across facilities and the integrated service history on the subject page:
shown across facilities only with consent (scope history) and the view_shared_history grant,
every view audited, other facilities' private notes never shown."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ieum.store.models import AuditEvent, Subject
from ieum_library.collaboration import consent, shared_history
from tests.collablab import (
    CHILD,
    TODAY,
    actor,
    admit,
    build,
    discharge,
    register,
    save,
    workspace,
)
from tests.webutil import login


@pytest.fixture
def app(make_app, migrated_url):
    return build(make_app, migrated_url)


def history(app, login_name: str, facility: str, subject_id: int):
    with workspace(app, login_name, facility) as (s, ws):
        return shared_history.integrated_history(s, app.extensions["ieum.registry"], ws,
                                                 actor(ws), subject_id, TODAY)


@pytest.fixture
def person(app):
    """김하늘 in 하늘아동양육시설 (admitted, discharged, a service record) and in
    바다공동생활가정 (admitted): the same resident number, registered separately."""
    home = register(app, "homeworker", "home")
    gh = register(app, "ghworker", "gh", {**CHILD, "rrn": "1005014123456", "address": "부산"})
    admit(app, "homeadmin", "home", home, "2020-03-01")
    with workspace(app, "homeadmin", "home") as (s, ws):
        save(app, s, ws, "service_history", "service_record", {
            "service_date": "2026-02-01", "category": "counselling", "content": "비밀 상담 내용",
            "provider": "김복지", "minutes": 30}, home)
    discharge(app, "homeadmin", "home", home, "2026-02-20")
    admit(app, "ghadmin", "gh", gh, "2026-02-21")
    return home, gh


def test_the_same_resident_number_links_one_person_without_decrypting(app, person):
    home, gh = person
    with app.extensions["ieum.database"].session() as s:
        first, second = s.get(Subject, home), s.get(Subject, gh)
        assert first.facility_id != second.facility_id
        assert first.person_id == second.person_id is not None
        assert first.rrn_encrypted != second.rrn_encrypted  # sealed separately (fresh nonce)


def test_without_consent_only_the_own_facility_is_shown(app, person):
    home, gh = person
    seen = history(app, "ghlead", "gh", gh)
    assert not seen.shared and "동의" in seen.why_not
    assert seen.facilities == ["바다공동생활가정"]
    assert {e.kind for e in seen.entries} == {"입소"}


def test_consent_and_grant_open_the_history_of_both_facilities(app, person):
    home, gh = person
    with workspace(app, "homeworker", "home") as (s, ws):
        consent.record_consent(s, ws, actor(ws), home, scopes=["history"], fields=[],
                               method="written", consented_on=TODAY, today=TODAY)
    seen = history(app, "ghlead", "gh", gh)  # 팀장 holds view_shared_history
    assert seen.shared and seen.why_not is None
    assert seen.facilities == ["바다공동생활가정", "하늘아동양육시설"]
    kinds = [(e.facility, e.kind, e.summary) for e in seen.entries]
    assert ("하늘아동양육시설", "서비스 제공", "상담") in kinds
    assert ("하늘아동양육시설", "퇴소", "가정 복귀") in kinds
    assert ("바다공동생활가정", "입소", "신규입소") in kinds
    assert all(e.link is None for e in seen.entries if not e.own)  # no way into A's records
    text = repr(seen)
    assert "비밀 상담 내용" not in text and "비공개 가정사" not in text

    worker = history(app, "ghworker", "gh", gh)  # 생활복지사: no view_shared_history grant
    assert not worker.shared and "권한" in worker.why_not
    assert worker.facilities == ["바다공동생활가정"]


def test_withdrawn_consent_closes_the_history_again(app, person):
    home, gh = person
    with workspace(app, "homeworker", "home") as (s, ws):
        row = consent.record_consent(s, ws, actor(ws), home, scopes=["history"], fields=[],
                                     method="oral", consented_on=TODAY, today=TODAY)
    assert history(app, "ghadmin", "gh", gh).shared
    with workspace(app, "ghworker", "gh") as (s, ws):  # withdrawn where the person is now
        consent.withdraw(s, ws, actor(ws), gh, row.id, reason="본인 철회", today=TODAY)
    assert not history(app, "ghadmin", "gh", gh).shared


def test_every_view_is_audited_and_the_page_shows_both_facilities(app, person):
    home, gh = person
    with workspace(app, "homeworker", "home") as (s, ws):
        consent.record_consent(s, ws, actor(ws), home, scopes=["history", "referral"],
                               fields=["birth_date"], method="written", consented_on=TODAY,
                               today=TODAY)
    client = app.test_client()
    login(client, "ghadmin")
    for _ in range(2):
        page = client.get(f"/f/gh/subjects/{gh}")
        assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "통합 서비스 이력" in html and "하늘아동양육시설" in html and "바다공동생활가정" in html
    assert "비밀 상담 내용" not in html
    with app.extensions["ieum.database"].session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "history.view")).all()
        assert len(events) == 2
        assert all(e.subject_id == gh and e.detail["shared"] for e in events)
        assert events[0].user_id is not None and events[0].target_type == "person"
    assert client.get(f"/f/gh/collab/subjects/{home}/consent").status_code == 404
