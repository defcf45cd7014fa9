"""Staff see Korean role names, never role ids: the profile's titles, the public-sector roles'
names, on the dashboard, the users page and in the audit log (issue 19 point 11)."""

from __future__ import annotations

import html

from ieum.access.grants import role_title, role_titles
from ieum.services.admin.audit_log import detail_text
from tests.test_dashboard_charts import app  # noqa: F401 - the fixture: 이음아동원 and its staff
from tests.webutil import login


def test_role_title_names_facility_public_and_vanished_roles(app) -> None:  # noqa: F811
    profile = app.extensions["ieum.registry"].profiles["child_home"]
    assert role_title("worker", profile) == profile.roles["worker"].title == "생활복지사"
    assert role_title("content_reviewer") == "콘텐츠 검토자"
    assert role_title("region_official", profile) == "시·군·구 담당공무원"
    assert role_title("night_guard", profile) == "없어진 역할(night_guard)"
    assert role_title(None, profile) == ""
    titles = role_titles(profile)
    assert titles["facility_admin"] == "기관관리자"
    assert titles["program_designer"] == "복지사업 설계자"
    assert detail_text({"login": "kim", "role": "worker"}, roles=titles) == \
        "아이디: kim · 역할: 생활복지사"


def test_dashboard_users_and_audit_pages_show_role_titles(app) -> None:  # noqa: F811
    client = app.test_client()
    login(client, "boss")
    dashboard = client.get("/f/home/").get_data(as_text=True)
    roles = dashboard.split('data-testid="my-roles"')[1].split("</dd>")[0]
    assert "기관관리자" in roles and "facility_admin" not in roles
    users = html.unescape(client.get("/f/home/admin/users").get_data(as_text=True))
    assert "생활복지사" in users
    audit = html.unescape(client.get("/f/home/admin/audit?action=role.grant")
                          .get_data(as_text=True))
    table = audit.split('data-testid="audit-table"')[1]
    assert "역할: 생활복지사" in table and "역할: 기관관리자" in table
    assert "역할: worker" not in table and "역할: facility_admin" not in table


def test_an_approval_line_parameter_reads_as_role_names(app) -> None:  # noqa: F811
    client = app.test_client()
    login(client, "boss")
    page = client.get("/f/home/u/resolution/about").get_data(as_text=True)
    line = page.split('data-parameter="approval_line"')[1].split("</span>")[0]
    assert "팀장 → 기관관리자" in html.unescape(line) and "team_leader" not in line
