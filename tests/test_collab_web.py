"""The collaboration screens through the web app: consent, referral with the facility search,
the receiving facility's decision from its inbox, the sender's result, needs, hand-over."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ieum.store.models import Subject, Task
from ieum.store.models_collab import Referral
from tests.collablab import CHILD, build, register
from tests.webutil import csrf_token, login


@pytest.fixture
def app(make_app, sqlite_url, sqlite_template):
    sqlite_template.copy_to(sqlite_url)
    return build(make_app, sqlite_url)


def client_for(app, login_name: str):
    client = app.test_client()
    login(client, login_name)
    return client


def test_refer_decide_and_confirm_through_the_screens(app):
    child = register(app, "homeworker", "home")
    home = client_for(app, "homeworker")
    page = home.get(f"/f/home/subjects/{child}").get_data(as_text=True)
    assert "통합 서비스 이력" in page and "서비스의뢰" in page
    assert home.get("/f/home/u/collaboration/").headers["Location"].endswith("/f/home/collab/")

    form = home.get(f"/f/home/collab/subjects/{child}/refer?q=바다").get_data(as_text=True)
    assert "바다공동생활가정" in form and "새싹자립지원시설" not in form
    assert "정보공유 동의(의뢰 시 정보 제공)가 없습니다" in form
    gh_id = re.search(r'data-facility="gh">\s*<td><input[^>]*value="(\d+)"', form).group(1)
    token = csrf_token(home, f"/f/home/collab/subjects/{child}/refer")
    sent = home.post(f"/f/home/collab/subjects/{child}/refer", data={
        "csrf_token": token, "to_facility": gh_id, "service": "입소", "reason": "보호 필요",
        "fields": ["birth_date"]})
    assert sent.status_code == 400 and "정보공유 동의가 없는 항목" in sent.get_data(as_text=True)

    token = csrf_token(home, f"/f/home/collab/subjects/{child}/consent")
    recorded = home.post(f"/f/home/collab/subjects/{child}/consent", data={
        "csrf_token": token, "scopes": ["referral", "history"], "fields": ["birth_date", "sex"],
        "method": "written", "consented_on": "2026-03-01"})
    assert recorded.status_code == 302
    bad = home.post(f"/f/home/collab/subjects/{child}/consent", data={
        "csrf_token": token, "scopes": [], "method": "written", "consented_on": "2026-03-01"})
    assert bad.status_code == 400 and "동의 범위" in bad.get_data(as_text=True)
    sent = home.post(f"/f/home/collab/subjects/{child}/refer", data={
        "csrf_token": token, "to_facility": gh_id, "service": "공동생활가정 입소",
        "reason": "소규모 보호 필요", "fields": ["birth_date", "sex"]})
    assert sent.status_code == 302
    referral_url = sent.headers["Location"]
    assert "검토 중" in home.get(referral_url).get_data(as_text=True)

    gh = client_for(app, "ghadmin")
    inbox = gh.get("/f/gh/tasks/").get_data(as_text=True)
    assert "서비스의뢰 검토" in inbox
    with app.extensions["ieum.database"].session() as s:
        task_id = s.scalar(select(Task.id).where(Task.name == "review"))
        referral_id = s.scalar(select(Referral.id))
    opened = gh.get(f"/f/gh/tasks/{task_id}", follow_redirects=True).get_data(as_text=True)
    assert "공동생활가정 입소" in opened and "2010-05-01" in opened and "서울시" not in opened
    token = csrf_token(gh, f"/f/gh/collab/referrals/{referral_id}")
    refused = gh.post(f"/f/gh/collab/referrals/{referral_id}",
                      data={"csrf_token": token, "decision": "reject"})
    assert refused.status_code == 400 and "사유" in refused.get_data(as_text=True)
    accepted = gh.post(f"/f/gh/collab/referrals/{referral_id}",
                       data={"csrf_token": token, "decision": "accept",
                             "planned_date": "2026-03-10"})
    assert accepted.status_code == 302
    assert "수락" in gh.get(f"/f/gh/collab/referrals/{referral_id}").get_data(as_text=True)
    assert client_for(app, "srfadmin").get(
        f"/f/srf/collab/referrals/{referral_id}").status_code == 404

    home_inbox = home.get("/f/home/tasks/").get_data(as_text=True)
    assert "의뢰 결과 확인" in home_inbox
    token = csrf_token(home, referral_url)
    done = home.post(referral_url, data={"csrf_token": token, "confirmed_on": "2026-03-02",
                                         "follow_up": "입소 준비 안내"})
    assert done.status_code == 302
    assert "의뢰 결과 확인" not in home.get("/f/home/tasks/").get_data(as_text=True)
    with app.extensions["ieum.database"].session() as s:
        new_id = s.get(Referral, referral_id).to_subject_id
    page = gh.get(f"/f/gh/subjects/{new_id}").get_data(as_text=True)
    assert "하늘아동양육시설" in page and "바다공동생활가정" in page


def test_needs_and_hand_over_screens(app):
    adult = register(app, "homeworker", "home", {**CHILD, "birth_date": "2008-01-10",
                                                 "rrn": "080110-3123456"})
    home = client_for(app, "homeadmin")
    overview = home.get("/f/home/collab/").get_data(as_text=True)
    assert "생애주기 연계 대상" in overview and "김하늘" in overview
    page = home.get(f"/f/home/collab/subjects/{adult}/handover").get_data(as_text=True)
    assert "연계 요약" in page and "만 18세" in page
    with app.extensions["ieum.database"].session() as s:
        srf = s.scalar(select(Subject.facility_id).where(Subject.id == adult))
    token = csrf_token(home, "/f/home/collab/needs/")
    need = home.post("/f/home/collab/needs/", data={
        "csrf_token": token, "profile_code": "self_reliance_facility", "region_code": "11140",
        "need": "자립지원시설 입소", "subject_id": str(adult)})
    assert need.status_code == 302
    listed = home.get("/f/home/collab/needs/").get_data(as_text=True)
    assert "자립지원시설 입소" in listed and "자원 발견" in listed  # srf has free places
    bad = home.post("/f/home/collab/needs/", data={"csrf_token": token, "profile_code": "x",
                                                   "region_code": "11140", "need": "입소"})
    assert bad.status_code == 400
    assert srf

