"""The shipped library's screens and messages in English (issue 19 point 12): the 시·군·구
community-care pages, a refused form and the Excel export follow the chosen language, while
what is stored (notices, decisions) stays as written."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests import carelab
from tests.webutil import login


@pytest.fixture
def official(make_app, sqlite_url, sqlite_template):
    sqlite_template.copy_to(sqlite_url)
    app = carelab.build(make_app, sqlite_url)
    client = app.test_client()
    client.set_cookie("ieum_lang", "en")
    login(client, "jongno")
    return client


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_policy_view_and_its_excel_are_in_english(official) -> None:
    page = official.get("/region/care/policy").get_data(as_text=True)
    assert "Supply and demand" in page and "수요·공급 현황" not in page
    assert "Excel" in page and "엑셀 내려받기" not in page
    export = official.get("/region/care/policy.xlsx?function=residential")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert not any(re.search("[가-힣]", str(cell)) for cell in rows[0])  # headers
    assert rows[1][0] == "11110" and rows[1][2] == "Residential (admission)"
    assert not re.search("[가-힣]", rows[1][1])


def test_a_refused_case_says_why_in_english(official) -> None:
    bad = official.post("/region/care/cases/new", data={
        "csrf_token": _token(official, "/region/care/cases/new"), "person_name": ""})
    text = re.sub(r"<script\b.*?</script>|<meta name=\"ieum-texts\"[^>]*>", "",
                  bad.get_data(as_text=True), flags=re.S)
    assert bad.status_code == 400
    assert "Open a community care case" in text
    assert "in 1 to" in text or "Choose the area of responsibility" in text
    assert "적으세요" not in text and "고르세요" not in text


def test_the_menu_titles_of_packages_follow_the_language(official) -> None:
    page = official.get("/region/care/placements").get_data(as_text=True)
    assert "Protection decisions" in page and "Community care cases" in page
    assert "보호조치 목록" not in page
