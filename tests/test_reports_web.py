"""The screens of 시군구보고: the facility menu entry, generate/submit, the officials' /region/
pages (inbox, search, detail, return with confirmation), 403/404, never a 500."""

from __future__ import annotations

import re

import pytest

from tests.reportutil import make_report_app
from tests.webutil import csrf_token, login


@pytest.fixture
def app(make_app, migrated_url):
    return make_report_app(make_app, migrated_url)


def _post(client, path: str, data: dict, page: str):  # noqa: ANN202
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def _version(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def test_facility_head_generates_and_submits_and_the_official_returns(app) -> None:
    client = app.test_client()
    login(client, "head")
    menu = client.get("/f/home/u/region_reports/")
    assert menu.status_code == 302 and menu.location.endswith("/f/home/reports/")
    index = client.get("/f/home/reports/").get_data(as_text=True)
    assert "보고서 만들기" in index and "입퇴소보고" in index

    wrong = _post(client, "/f/home/reports/generate", {"kind": "admissions", "period": "10월"},
                  "/f/home/reports/")
    assert wrong.status_code == 302
    assert "2026-10" in client.get(wrong.location).get_data(as_text=True)
    unknown = _post(client, "/f/home/reports/generate", {"kind": "nope", "period": "2026-10"},
                    "/f/home/reports/")
    assert unknown.status_code == 404

    made = _post(client, "/f/home/reports/generate", {"kind": "admissions", "period": "2026-10"},
                 "/f/home/reports/")
    assert made.status_code == 302
    detail_path = made.location
    page = client.get(detail_path).get_data(as_text=True)
    assert 'data-figure="admitted"' in page and "다솜" in page and "점검 결과" in page
    version = _version(page)
    stale = _post(client, detail_path + "/submit", {"version": str(int(version) + 5)},
                  detail_path)
    assert "다른 사용자가 먼저" in client.get(stale.location).get_data(as_text=True)
    done = _post(client, detail_path + "/submit", {"version": version}, detail_path)
    assert "제출했습니다" in client.get(done.location).get_data(as_text=True)
    report_id = detail_path.rstrip("/").rsplit("/", 1)[1]

    assert client.get("/region/").status_code == 403  # a facility head is no official

    official = app.test_client()
    login(official, "guofficial")
    home = official.get("/region/").get_data(as_text=True)
    assert f'data-report="{report_id}"' in home and "/region/vacancies" in home
    assert "햇살아동양육원" in official.get("/region/facilities/").get_data(as_text=True)
    assert "먼바다노인요양원" not in official.get("/region/facilities/").get_data(as_text=True)
    listed = official.get("/region/reports/?status=submitted&kind=admissions&period=2026")
    assert f'data-report="{report_id}"' in listed.get_data(as_text=True)
    assert official.get("/region/reports/?page=abc&facility=x&status=zz").status_code == 200
    review = official.get(f"/region/reports/{report_id}").get_data(as_text=True)
    assert "다솜" in review and 'data-testid="decision"' in review
    version = _version(review)

    ask = _post(official, f"/region/reports/{report_id}/decide",
                {"decision": "return", "reason": "정원 구분 확인 바랍니다.", "version": version},
                f"/region/reports/{report_id}")
    assert ask.status_code == 200 and "반려 확정" in ask.get_data(as_text=True)
    assert 'data-status="submitted"' in official.get(
        f"/region/reports/{report_id}").get_data(as_text=True)  # nothing happened yet
    returned = _post(official, f"/region/reports/{report_id}/decide",
                     {"decision": "return", "reason": "정원 구분 확인 바랍니다.",
                      "version": version, "confirmed": "1"}, f"/region/reports/{report_id}")
    assert returned.status_code == 302
    assert "정원 구분 확인 바랍니다." in client.get(detail_path).get_data(as_text=True)

    elsewhere = app.test_client()
    login(elsewhere, "elsewhere")
    assert elsewhere.get(f"/region/reports/{report_id}").status_code == 404
    assert elsewhere.post(f"/region/reports/{report_id}/decide", data={
        "decision": "approve", "csrf_token": csrf_token(elsewhere, "/region/")}
    ).status_code == 404
    assert f'data-report="{report_id}"' not in elsewhere.get("/region/reports/").get_data(
        as_text=True)


def test_calendar_and_access(app) -> None:
    client = app.test_client()
    login(client, "head")
    page = client.get("/f/home/reports/calendar").get_data(as_text=True)
    assert 'data-state="overdue"' in page and "종사자입퇴사보고" in page
    carer = app.test_client()
    login(carer, "carer")  # a worker without a grant for the unit
    assert carer.get("/f/home/reports/").status_code == 403
    assert carer.get("/f/home/reports/calendar").status_code == 403
    assert carer.get("/f/home/reports/1").status_code == 403
    official = app.test_client()
    login(official, "guofficial")
    assert official.get("/f/home/reports/").status_code == 404  # not a member of the facility
    assert 'data-testid="region-link"' in official.get("/region/").get_data(as_text=True)
