"""Object-level scope on referrals: a worker whose ``collaboration`` grant is ``own`` reads
and cancels only the referrals they sent, and of those received only the ones whose review is
theirs to work; the team leader (scope ``facility``) sees them all. Through the service, the
screens and the API alike."""

from __future__ import annotations

import pytest

from ieum.services import ServiceError
from ieum_library.collaboration import referrals
from tests.collablab import build, register, runtime, workspace
from tests.test_collab_referrals import give_consent, send
from tests.webutil import login


@pytest.fixture
def app(make_app, migrated_url):
    return build(make_app, migrated_url)


def visible(app, login_name: str, facility: str) -> set[int]:
    with workspace(app, login_name, facility) as (s, ws):
        return {v.referral.id for v in referrals.facility_referrals(s, ws)}


def test_an_own_scope_worker_neither_reads_nor_cancels_the_leaders_referral(app) -> None:
    child = register(app, "homeworker", "home")
    give_consent(app, child)
    leaders = send(app, child, login="homelead")
    assert leaders in visible(app, "homelead", "home")
    assert leaders not in visible(app, "homeworker", "home")
    with workspace(app, "homeworker", "home") as (s, ws):
        with pytest.raises(ServiceError) as hidden:
            referrals.get_referral(s, ws, leaders)
        assert hidden.value.status == 404
        with pytest.raises(ServiceError) as refused:
            referrals.cancel(s, runtime(app, ws), ws, leaders, "내가 취소해 본다")
        assert refused.value.status == 404
    browser = app.test_client()
    assert login(browser, "homeworker").status_code == 302
    page = browser.get(f"/f/home/collab/referrals/{leaders}")
    assert page.status_code == 404
    assert "2010-05-01" not in page.get_data(as_text=True)
    api = app.test_client()
    token = api.post("/api/v1/auth/token", json={"login": "homeworker",
                                                  "password": "test-pass-2026"}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert api.get(f"/api/v1/f/home/referrals/{leaders}", headers=headers).status_code == 404
    listed = api.get("/api/v1/f/home/referrals", headers=headers).get_json()["items"]
    assert leaders not in {item["id"] for item in listed}


def test_an_own_scope_worker_sees_their_own_referral(app) -> None:
    child = register(app, "homeworker", "home")
    give_consent(app, child)
    own = send(app, child, login="homeworker")
    assert own in visible(app, "homeworker", "home")
    assert own in visible(app, "homelead", "home")


def test_received_referrals_are_scoped_too(app) -> None:
    child = register(app, "homeworker", "home")
    give_consent(app, child)
    referral_id = send(app, child)
    assert referral_id in visible(app, "ghadmin", "gh")
    assert referral_id in visible(app, "ghlead", "gh")
    assert referral_id not in visible(app, "ghworker", "gh")
    with workspace(app, "ghworker", "gh") as (s, ws):
        with pytest.raises(ServiceError) as hidden:
            referrals.get_referral(s, ws, referral_id)
        assert hidden.value.status == 404


def test_subject_pickers_inside_repeatable_rows_are_found_for_the_facility_check() -> None:
    """The cross-facility check (records service ``_foreign_subjects``) reads every
    ``subjects`` field through ``subject_refs``, at any depth."""
    import uuid
    from pathlib import Path

    from ieum.definitions.frozen import freeze
    from ieum.definitions.model import FormDef
    from ieum.forms.fields import field_tree, subject_refs

    subjects = {"type": "array", "items": {"type": "integer"}}
    picker = {"who": {"widget": "subjects"}}
    schema = {"type": "object", "properties": {
        "attendees": subjects,
        "visits": {"type": "array", "items": {"type": "object", "properties": {
            "place": {"type": "string"}, "who": subjects}, "x-ui": picker}},
        "meeting": {"type": "object", "properties": {"who": subjects}, "x-ui": picker}},
        "x-ui": {"attendees": {"widget": "subjects"}}}
    form = FormDef(f"t_{uuid.uuid4().hex[:8]}", "시험", 1, schema=freeze(schema),
                   path=Path("x.json"))
    data = {"attendees": [1], "visits": [{"place": "집", "who": [2, 999]}, {"who": []}],
            "meeting": {"who": [3]}}
    found = subject_refs(field_tree(form).fields, data)
    assert found.get("attendees") == [1]
    assert found.get("visits.0.who") == [2, 999]
    assert found.get("meeting.who") == [3]


def test_subject_pickers_inside_groups_and_rows_offer_the_facility_subjects() -> None:
    """A ``subjects`` picker in a group, in each row of repeatable rows and in the blank row
    the browser adds offers the same choices as a top-level picker (it used to offer none)."""
    import uuid
    from pathlib import Path

    from ieum.definitions.frozen import freeze
    from ieum.definitions.model import FormDef
    from ieum.forms.wtf import attr, bind
    from ieum.web.template_helpers import blank_row

    subjects = {"type": "array", "items": {"type": "integer"}}
    picker = {"who": {"widget": "subjects"}}
    schema = {"type": "object", "properties": {
        "visits": {"type": "array", "items": {"type": "object", "properties": {
            "place": {"type": "string"}, "who": subjects}, "x-ui": picker}},
        "meeting": {"type": "object", "properties": {"who": subjects}, "x-ui": picker}}}
    form = FormDef(f"t_{uuid.uuid4().hex[:8]}", "시험", 1, schema=freeze(schema),
                   path=Path("x.json"))
    bound = bind(form, data={"visits": [{"place": "집", "who": [2]}], "meeting": {"who": []}},
                 subjects=[(2, "김하늘"), (3, "이바다")])
    offered = [("2", "김하늘"), ("3", "이바다")]
    visits = bound[attr("visits")]
    assert [(c.value, c.label) for c in visits.entries[0].form[attr("who")].choices] == offered
    meeting = bound[attr("meeting")].form[attr("who")]
    assert [(c.value, c.label) for c in meeting.choices] == offered
    blank = blank_row(visits)[attr("who")]
    assert [(c.value, c.label) for c in blank.choices] == offered
