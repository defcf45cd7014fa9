"""The profile composer and the unit function editor (issue 22, item 3): every shipped profile
and manifest round-trips through the editing model; the checks speak Korean and point into the
body; the reuse figure is the one ``ieum reuse`` computes; the pages and their JSON endpoints
answer content authors only."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ieum.cli import main as cli
from ieum.config import REPOSITORY_ROOT
from ieum.definitions import load_registry, reuse_matrix
from ieum.definitions.files import read_yaml
from ieum.studio import profiles, units
from ieum.studio.problems import StudioProblem
from tests.studioutil import TODAY, post_json, put_json, seed_people, signed_in

PROFILE_FILES = sorted((REPOSITORY_ROOT / "facility_profiles").glob("*.yaml"))
UNIT_FILES = sorted((REPOSITORY_ROOT / "unit_functions").glob("*/unit.yaml"))


@pytest.fixture(scope="module")
def registry():
    return load_registry([REPOSITORY_ROOT], plugins=True)


def body_of(path: Path) -> dict:
    data, problems = read_yaml(path)
    assert not problems
    return data


def child_home() -> dict:
    return body_of(REPOSITORY_ROOT / "facility_profiles" / "child_home.yaml")


def by_pointer(problems: list[StudioProblem]) -> dict[str, str]:
    return {problem.pointer: problem.message for problem in problems}


# --- round trip ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_every_shipped_profile_round_trips_and_checks_clean(path, registry) -> None:
    body = body_of(path)
    model = profiles.to_model(body)
    assert profiles.to_body(model) == body
    # through JSON too, as the page and the drafts API carry it
    assert profiles.to_body(profiles.to_model(json.loads(json.dumps(body)))) == body
    assert profiles.check(body, registry) == []


@pytest.mark.parametrize("path", UNIT_FILES, ids=lambda p: p.parent.name)
def test_every_shipped_manifest_round_trips_and_checks_clean(path, registry) -> None:
    body = body_of(path)
    assert units.to_body(units.to_model(body)) == body
    assert units.to_body(units.to_model(json.loads(json.dumps(body)))) == body
    assert units.check(body, registry) == []


def test_the_model_says_what_the_file_leaves_out() -> None:
    model = profiles.to_model(child_home())
    facility_admin = model.roles[0]
    assert facility_admin.id == "facility_admin" and facility_admin.description == ""
    assert facility_admin.grants is None  # inherited from base: not the same as no grants
    team_leader = model.roles[1]
    assert team_leader.title is None
    assert team_leader.grants["hr_card"] is None  # removes the base's grant
    assert model.menu[0].items[0].parameters == {"min_age": 0, "max_age": 18}
    unit = units.to_model(body_of(REPOSITORY_ROOT / "unit_functions/admission_discharge/unit.yaml"))
    assert [feed.name for feed in unit.feeds] == ["occupancy", "service_history"]
    assert unit.feeds[1].settings["forms"]["admission"]["kind"] == "입소"


# --- checks ---------------------------------------------------------------------------------------


def test_profile_checks_point_at_what_is_wrong(registry) -> None:
    body = child_home()
    body["menu"][0]["items"].append({"unit": "no_such_unit"})
    body["menu"][1]["items"][0]["parameters"] = {"nonsense": 1}
    body["menu"][0]["items"][0]["parameters"]["min_age"] = "열 살"
    body["roles"][2]["grants"]["usage_fee"] = {"actions": ["view"], "scope": "own"}
    body["roles"][2]["grants"]["outings"] = {"actions": ["fly"], "scope": "own"}
    body["exclusive_roles"].append(["worker", "worker"])
    body["exclusive_roles"].append(["worker", "ghost"])
    found = by_pointer(profiles.check(body, registry, units=()))
    assert "단위기능 'no_such_unit'이(가) 없습니다" in found["/menu/0/items/1/unit"]
    assert "매개변수 'nonsense'이(가) 없습니다" in found["/menu/1/items/0/parameters/nonsense"]
    assert "정수 값을 넣어야" in found["/menu/0/items/0/parameters/min_age"]
    assert "메뉴에 없는 단위기능 'usage_fee'에 권한을" in found["/roles/2/grants/usage_fee"]
    assert "동작 'fly'이(가) 없습니다" in found["/roles/2/grants/outings/actions/0"]
    assert "서로 다른 역할이 둘 이상" in found["/exclusive_roles/2"]
    assert "같은 겸직 금지 묶음에 두 번" in found["/exclusive_roles/2/1"]
    assert "역할 'ghost'이(가) 없습니다" in found["/exclusive_roles/3/1"]


def test_extends_an_unknown_base_or_in_a_cycle(registry) -> None:
    body = child_home()
    body["extends"] = "nowhere"
    shipped = profiles.profile_bodies(registry)
    assert "기본 프로필 'nowhere'이(가) 없습니다" in by_pointer(
        profiles.check(body, registry, profiles=shipped))["/extends"]
    # without knowing the drafts (the studio's package check) a base may be a draft
    assert "/extends" not in by_pointer(profiles.check(body, registry))
    bodies = profiles.profile_bodies(registry)
    bodies["base"] = {**bodies["base"], "extends": "child_home"}  # base would extend child_home
    found = by_pointer(profiles.check(child_home(), registry, profiles=bodies))
    assert "순환" in found["/extends"]
    assert "child_home → child_base → base → child_home" in found["/extends"]


def test_a_role_without_a_title_outside_the_base_and_lanes_without_roles(registry) -> None:
    body = child_home()
    body["roles"].append({"id": "night_worker", "grants": {}})
    found = by_pointer(profiles.check(body, registry))
    assert "역할 'night_worker'의 이름을 적어" in found["/roles/5/title"]
    # a unit whose process has lanes this profile lacks
    with_lanes = [(unit, registry.processes[pid].lanes) for unit in registry.unit_functions.values()
                  for pid in unit.processes if registry.processes[pid].lanes]
    unit, lanes = with_lanes[0]
    bare = {"code": "bare", "title": "맨 프로필", "target_group": "child", "statute": "법",
            "menu": [{"group": "업무", "items": [{"unit": unit.id}]}],
            "roles": [{"id": "someone", "title": "누군가"}]}
    found = by_pointer(profiles.check(bare, registry))
    assert "이 프로필에 그 역할이 없습니다" in found["/menu/0/items/0/unit"]
    assert lanes[0] in found["/menu/0/items/0/unit"]


def test_unit_checks_point_at_what_is_wrong(registry) -> None:
    body = {"id": "night_rounds", "title": "", "layer": 2, "forms": ["no_form"],
            "processes": ["no_process"], "screens": [{"kind": "list", "form": "admission"}],
            "actions": ["view"], "feeds": ["nowhere", "service_history", "service_history"],
            "parameters": {"rounds": {"type": "integer", "default": "두 번", "title": "순찰"},
                           "mode": {"type": "string", "default": "a", "title": "방식",
                                    "enum": ["b", 3]}}}
    found = by_pointer(units.check(body, registry, forms=(), processes=()))
    assert "이름을 한글로" in found["/title"]
    assert "서식 'no_form'이(가) 없습니다" in found["/forms/0"]
    assert "절차 'no_process'이(가) 없습니다" in found["/processes/0"]
    assert "이 단위기능의 서식이 아닙니다" in found["/screens/0/form"]
    assert "연계 'nowhere'" in found["/feeds/0"]
    assert "두 번 넣었습니다" in found["/feeds/2"]
    assert "기본값" in found["/parameters/rounds/default"]
    assert "중 하나여야" in found["/parameters/mode/default"]
    assert "글자 값을" in found["/parameters/mode/enum/1"]
    # a form in a draft (not yet in the registry) may be named
    body = {"id": "night_rounds", "title": "야간 순찰", "layer": 2, "forms": ["night_form"],
            "actions": ["view"], "screens": [{"kind": "list", "form": "night_form"}]}
    assert units.check(body, registry, forms=()) != []
    assert units.check(body, registry, forms=["night_form"]) == []
    # without knowing the drafts (the studio's package check, which checks references over
    # the package's drafts itself) a form not in the registry is not reported here
    assert units.check(body, registry) == []


def test_the_meta_schema_s_problems_are_said_in_korean_once(registry) -> None:
    found = profiles.check({"code": "Bad", "title": "", "official_kind_code": "12",
                            "menu": [], "roles": [], "bogus": 1}, registry)
    said = by_pointer(found)
    assert said["/target_group"] == "대상 집단을(를) 적어 주세요."
    assert said["/statute"] == "근거 법령을(를) 적어 주세요."
    assert "영문 소문자로 시작" in said["/code"]
    assert said["/official_kind_code"] == "시설 종류 코드은(는) 숫자 여섯 자리입니다."
    assert said[""] == "알 수 없는 항목입니다: 'bogus'"
    # the composer's own message for an element replaces the schema's
    assert said["/roles"] == "역할이 하나도 없습니다. 역할을 하나 이상 만드세요."
    assert len([p for p in found if p.pointer == "/roles"]) == 1
    unit = by_pointer(units.check({"id": "x", "layer": 9, "actions": [],
                                   "screens": [{"kind": "grid", "form": "f"}]}, registry))
    assert unit["/layer"] == "계층은(는) 4 이하이어야 합니다."
    assert unit["/screens/0/kind"] == "종류은(는) 'list', 'new', 'detail' 중 하나여야 합니다."
    assert unit["/title"] == "단위기능의 이름을 한글로 적어 주세요."


def test_a_draft_unit_may_be_in_a_menu(registry) -> None:
    body = child_home()
    body["menu"][0]["items"].append({"unit": "night_rounds"})
    assert "/menu/0/items/1/unit" in by_pointer(profiles.check(body, registry, units=()))
    assert profiles.check(body, registry, units=["night_rounds"]) == []
    assert profiles.check(body, registry) == []


def test_a_body_of_the_wrong_shape_is_a_problem_not_a_crash(registry) -> None:
    assert profiles.check([], registry)[0].message == "프로필은 JSON 객체여야 합니다."
    found = profiles.check({"code": "x", "title": "x", "menu": "nonsense", "roles": 3}, registry)
    assert found and all(problem.message for problem in found)
    assert units.check({"id": 3, "parameters": []}, registry)


# --- the reuse figure -------------------------------------------------------------------------


def test_the_reuse_figure_is_ieum_reuse_s(registry) -> None:
    matrix = reuse_matrix(registry)
    printed = json.loads(CliRunner().invoke(cli, ["reuse", "--json"]).output)
    for row, code in enumerate(matrix.profiles):
        body = body_of(REPOSITORY_ROOT / "facility_profiles" / f"{code}.yaml")
        figure = profiles.reuse(body, registry)
        assert round(figure.reuse_ratio, 4) == printed["reuse_ratio"]
        assert (figure.slots, figure.unit_functions) == (printed["slots"],
                                                         printed["unit_functions"])
        used = [column for column, flag in enumerate(matrix.matrix[row]) if flag]
        shared = [column for column in used if sum(r[column] for r in matrix.matrix) > 1]
        assert (figure.units, figure.shared) == (len(used), len(shared))


def test_the_reuse_figure_moves_with_the_menu(registry) -> None:
    body = child_home()
    before = profiles.reuse(body, registry)
    body["menu"][0]["items"].append({"unit": "usage_fee"})
    after = profiles.reuse(body, registry)
    assert after.units == before.units + 1 and after.slots == before.slots + 1
    assert after.reuse_ratio > before.reuse_ratio
    body["menu"].append({"group": "새 묶음", "items": [{"unit": "brand_new_unit"}]})
    newest = profiles.reuse(body, registry)
    assert "brand_new_unit" in newest.own_only and newest.shared == after.shared


def test_a_copy_and_an_extending_copy(registry) -> None:
    source = child_home()
    copied = profiles.copy_body(source, "my_home", "우리 아동양육시설", as_extends=False)
    assert copied["code"] == "my_home" and copied["title"] == "우리 아동양육시설"
    assert copied["menu"] == source["menu"] and copied["roles"] == source["roles"]
    assert profiles.check(copied, registry) == []
    extending = profiles.copy_body(source, "my_home", "우리 시설", as_extends=True)
    assert extending == {"code": "my_home", "extends": "child_home", "title": "우리 시설",
                         "menu": source["menu"]}
    assert profiles.check(extending, registry) == []


# --- the pages and their endpoints --------------------------------------------------------------


@pytest.fixture
def studio_app(make_app, sqlite_url, sqlite_template):  # noqa: ANN001, ANN201 - fixtures
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    seed_people(app)
    return app


def test_the_editor_pages_render_for_authors_only(studio_app) -> None:
    client = signed_in(studio_app, "author")
    page = client.get("/content/profile/child_home/edit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "시설유형 프로필 구성" in text and "studio-composer.js" in text
    assert "<script>" not in text and "onclick=" not in text and 'style="' not in text
    assert "단위기능 팔레트" in text and "권한 표" in text
    unit_page = client.get("/content/unit/night_rounds/edit")
    assert unit_page.status_code == 200 and "단위기능 편집" in unit_page.get_data(as_text=True)
    assert client.get("/content/profile/Bad-Key/edit").status_code == 404
    staff = signed_in(studio_app, "staff")
    assert staff.get("/content/profile/child_home/edit").status_code == 403
    assert post_json(staff, "/content/profile/child_home/live",
                     {"body": child_home()}).status_code in (400, 403)


def test_live_answers_problems_and_the_reuse_figure(studio_app) -> None:
    client = signed_in(studio_app, "author")
    body = child_home()
    body["roles"][2]["grants"]["usage_fee"] = {"actions": ["view"], "scope": "own"}
    answer = post_json(client, "/content/profile/child_home/live", {"body": body})
    assert answer.status_code == 200
    data = answer.get_json()
    assert {"pointer": "/roles/2/grants/usage_fee",
            "message": "메뉴에 없는 단위기능 'usage_fee'에 권한을 주었습니다. 메뉴에 넣거나 권한을 "
                       "지우세요."} in data["problems"]
    assert data["reuse"]["units"] == 18
    bad = post_json(client, "/content/profile/child_home/live", {"nobody": 1})
    assert bad.status_code == 400 and "body" in bad.get_json()["error"]
    manifest = {"id": "night_rounds", "title": "야간 순찰", "layer": 2, "actions": ["view"],
                "forms": ["draft_form"]}
    unit = post_json(client, "/content/unit/night_rounds/live", {"body": manifest})
    assert unit.get_json()["problems"] == [
        {"pointer": "/forms/0", "message": "서식 'draft_form'이(가) 없습니다. 등록된 서식이나 "
                                           "작성 중인 서식에서 고르세요."}]
    form = {"type": "object", "title": "초안 서식",
            "properties": {"note": {"type": "string", "title": "메모"}}}
    assert put_json(client, "/content/form/draft_form/document",
                    {"body": form, "base_version": None}).status_code == 200
    unit = post_json(client, "/content/unit/night_rounds/live", {"body": manifest})
    assert unit.get_json() == {"problems": []}


def test_copy_then_save_through_the_drafts_api(studio_app) -> None:
    client = signed_in(studio_app, "author")
    copied = post_json(client, "/content/profile/my_home/copy",
                       {"source": "child_home", "title": "우리 시설", "mode": "extends"})
    assert copied.status_code == 200
    body = copied.get_json()["body"]
    assert body["extends"] == "child_home" and copied.get_json()["problems"] == []
    missing = post_json(client, "/content/profile/my_home/copy", {"source": "nothing"})
    assert missing.status_code == 404 and "찾을 수 없습니다" in missing.get_json()["error"]
    saved = put_json(client, "/content/profile/my_home/document",
                     {"body": body, "base_version": None, "note": "복사"})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    loaded = client.get("/content/profile/my_home/document").get_json()
    assert loaded["version"] == 1 and loaded["body"] == body
    assert profiles.to_body(profiles.to_model(copy.deepcopy(loaded["body"]))) == body


def test_the_unit_editor_offers_forms_and_processes_in_drafts(studio_app) -> None:
    client = signed_in(studio_app, "author")
    form = {"type": "object", "title": "야간 순찰 기록",
            "properties": {"checked_at": {"type": "string", "format": "date", "title": "일시"}}}
    saved = put_json(client, "/content/form/night_form/document",
                     {"body": form, "base_version": None, "note": "새 서식"})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    page = client.get("/content/unit/night_rounds/edit").get_data(as_text=True)
    context = json.loads(page.split("data-context='", 1)[1].split("'", 1)[0])
    assert context["draft_forms"] == ["night_form"]
    assert "night_form" not in {f["id"] for f in context["forms"]}
    assert context["new_body"]["id"] == "night_rounds"


def test_the_composer_offers_drafted_units_and_accepts_them_in_a_menu(studio_app) -> None:
    client = signed_in(studio_app, "author")
    unit = {"id": "night_rounds", "title": "야간 순찰", "layer": 2, "actions": ["view", "create"],
            "parameters": {"rounds": {"type": "integer", "default": 2, "title": "순찰 횟수"}}}
    saved = put_json(client, "/content/unit/night_rounds/document",
                     {"body": unit, "base_version": None, "package": "night_pack"})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    page = client.get("/content/profile/child_home/edit").get_data(as_text=True)
    context = json.loads(page.split("data-context='", 1)[1].split("'", 1)[0])
    drafted = next(entry for entry in context["units"] if entry["id"] == "night_rounds")
    assert drafted["title"] == "야간 순찰 (초안)" and drafted["draft"] is True
    assert drafted["parameters"][0]["name"] == "rounds"
    body = child_home()
    body["menu"][0]["items"].append({"unit": "night_rounds"})
    body["roles"][2]["grants"]["night_rounds"] = {"actions": ["view"], "scope": "own"}
    answer = post_json(client, "/content/profile/child_home/live", {"body": body})
    assert answer.get_json()["problems"] == []
    body["menu"][0]["items"].append({"unit": "nowhere_unit"})
    answer = post_json(client, "/content/profile/child_home/live", {"body": body})
    assert [p["pointer"] for p in answer.get_json()["problems"]] == ["/menu/0/items/2/unit"]
