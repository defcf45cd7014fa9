"""생애주기 연계: a child turning 18 is handed over to a self-reliance facility with a summary;
on acceptance the old subject is closed (연계종결) and linked, the new one is the same person,
no record is copied, and the integrated history shows both facilities."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ieum.services import workflows as flows
from ieum.store.models import Record, Subject
from ieum.store.models_collab import Referral
from ieum_library.collaboration import consent, handover, referrals, shared_history
from tests.collablab import CHILD, TODAY, actor, admit, build, register, runtime, workspace

ADULT = {**CHILD, "name": "이나래", "birth_date": "2008-01-10", "rrn": "080110-4123456"}


@pytest.fixture
def app(make_app, migrated_url):
    return build(make_app, migrated_url)


def test_a_hand_over_keeps_one_history_without_duplicates(app):
    young = register(app, "homeworker", "home", {**CHILD, "rrn": "100501-4123457"})
    adult = register(app, "homeworker", "home", ADULT)
    admit(app, "homeadmin", "home", adult, "2015-04-01")
    registry = app.extensions["ieum.registry"]
    with workspace(app, "homeworker", "home") as (s, ws):
        found = handover.candidates(s, registry, ws, TODAY)
        assert [c.subject.id for c in found] == [adult] and found[0].age == 18
        assert young not in [c.subject.id for c in found]
        summary = handover.draft_summary(s, registry, ws, adult, TODAY)
        assert "만 18세" in summary and "입소일: 2015-04-01" in summary
        assert "보호 필요" not in summary  # free text of records is not copied
        consent.record_consent(s, ws, actor(ws), adult, scopes=["history", "referral"],
                               fields=["birth_date", "sex"], method="written",
                               consented_on=TODAY, today=TODAY)
        srf = next(v.facility.id for v in referrals.targets(s, registry, ws, text="자립"))
        with pytest.raises(Exception) as short:
            handover.hand_over(s, runtime(app, ws), ws, adult, to_facility_id=srf,
                               summary="짧음", fields=["birth_date"])
        assert getattr(short.value, "field", None) == "summary"
        sent = handover.hand_over(s, runtime(app, ws), ws, adult, to_facility_id=srf,
                                  summary=summary, fields=["birth_date", "sex"])
        assert sent.kind == "handover" and sent.summary == summary
        assert handover.candidates(s, registry, ws, TODAY)[0].pending
    with app.extensions["ieum.database"].session() as s:
        records_before = s.scalar(select(func.count(Record.id)))
    with workspace(app, "srfadmin", "srf") as (s, ws):
        task = referrals.open_task(s, ws, s.get(Referral, sent.id))
        flows.complete_task(s, runtime(app, ws), ws, task.id, {"decision": "accept"})
    with app.extensions["ieum.database"].session() as s:
        referral = s.get(Referral, sent.id)
        old, new = s.get(Subject, adult), s.get(Subject, referral.to_subject_id)
        assert old.status == "연계종결"
        assert old.data["handed_over"]["to_subject"] == new.id
        assert new.person_id == old.person_id and new.data["referred_from"] == referral.id
        # the review record and B's draft registry record are new; A's records stay in A
        assert s.scalar(select(func.count(Record.id))) == records_before + 2
        assert s.scalar(select(func.count(Record.id)).where(
            Record.subject_id == old.id)) == 2  # 기본정보, 입소: not moved, not copied
    with workspace(app, "srfadmin", "srf") as (s, ws):
        seen = shared_history.integrated_history(s, registry, ws, actor(ws), new.id, TODAY)
    assert seen.shared
    assert [(m.facility, m.status) for m in seen.memberships] == [
        ("하늘아동양육시설", "연계종결"), ("새싹자립지원시설", referrals.ACCEPTED_STATUS)]
    kinds = [(e.facility, e.kind) for e in seen.entries]
    assert kinds.count(("하늘아동양육시설", "입소")) == 1
    assert ("하늘아동양육시설", "생애주기 연계") in kinds
