"""The studios, the program catalog, the regional (시·군·구) screens and platform administration
in English (issue 19 point 12): with the English cookie each main screen says ``lang="en"``,
shows its English and no Korean but data and content — the texts the people of the screen
typed or the content carries (titles, descriptions), and the titles and messages still
translated elsewhere (the services' and the program library's, named below). The Korean
default is what the other tests of these screens check."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from ieum import i18n
from ieum.catalog import compare as compare_tables
from ieum.catalog import definition as program_library
from ieum.catalog.definition import shipped_programs, to_mapping
from ieum.catalog.income import TIER_LABELS
from ieum.cli_i18n import content_messages
from ieum.services import catalog as programs
from ieum.services import studio as content_studio
from ieum.services.catalog import applications, decisions
from ieum.services.reports.periods import STATUS_TITLES as REPORT_STATUS_TITLES
from ieum.services.studio import packages
from ieum.services.studio.checks import KIND_TITLES
from tests.formlab import TODAY as LAB_TODAY
from tests.formlab import seed_lab
from tests.reportutil import make_report_app
from tests.studioutil import LAB_NOTE, PACKAGE, save, seed_people, signed_in
from tests.test_catalog_platform import _client, catalog_app  # noqa: F401 - the fixture
from tests.test_platform_admin import app as admin_app  # noqa: F401 - the fixture
from tests.webutil import csrf_token, login

HANGUL = re.compile(r"[가-힣]")
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "data-confirm", "alt", "label")

#: titles and messages that other parts translate (the services', the program library's): the
#: English of these comes with their own catalogues, so here they may still be Korean
NAMED_ELSEWHERE: tuple[Iterable[str], ...] = (
    programs.STATUS_TITLES.values(), programs.ACTION_TITLES.values(),
    applications.STATUS_TITLES.values(), applications.DECISION_TITLES.values(),
    decisions.KIND_TITLES.values(), program_library.SURVEY_TYPE_LABELS.values(),
    program_library.BENEFIT_TYPES.values(), program_library.DELIVERY_CYCLES.values(),
    [v.label for v in program_library.VARIABLE_INFO.values()],
    [v.unit for v in program_library.VARIABLE_INFO.values()],
    compare_tables.DIMENSION_TITLES.values(), compare_tables.COLUMN_TITLES.values(),
    [compare_tables.SUPPRESSED_TEXT], TIER_LABELS.values(),
    KIND_TITLES.values(), content_studio.STATUS_TITLES.values(),
    packages.ACTION_TITLES.values(), REPORT_STATUS_TITLES.values(),
    # the field macros of records/_fields.html (the staff screens' template)
    ("(필수)", "선택하세요"),
    # ieum.services.studio.live_content: where a live document comes from
    ("기본 콘텐츠", "플러그인", "스튜디오 패키지"),
    # ieum.services.catalog.applications.form_sections: the household section and the annexes
    ("가구 소득·재산 (조사 항목)",
     *(f"{d.name} 별지" for d in shipped_programs().values())),
)
#: the summaries of changes of ieum.studio.diff (the kernel's studio library)
STUDIO_CHANGES = r'<ul class="studio-changes[^"]*"[^>]*>.*?</ul>'
#: the pager of reports/_pager.html (the staff screens' template)
REPORTS_PAGER = r'<p class="small text-muted">모두 \d+건</p>'


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _strings(key)
            yield from _strings(child)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from _strings(child)


def known_texts(app, *data: str) -> list[str]:  # noqa: ANN001 - a Flask app
    """Korean that may stay: the content's texts (of every content root of ``app`` and the
    shipped programs), the titles named above, and the data values the test gives."""
    roots = [Path(folder).parent for folder in app.extensions["ieum.locale_dirs"]]
    texts = {text for text, _where in content_messages(roots)}
    for definition in shipped_programs().values():
        texts.update(_strings(to_mapping(definition)))
    for group in NAMED_ELSEWHERE:
        texts.update(str(text) for text in group)
    texts.update(data)
    return sorted((t for t in texts if HANGUL.search(t)), key=len, reverse=True)


def shown_texts(page: str, *, drop: Iterable[str] = ()) -> list[str]:
    """The texts a person reads in the page's ``<main>``: text and the shown attributes, not
    the values typed into inputs (data) nor scripts. ``drop``: patterns of parts filled by
    messages named elsewhere."""
    main = re.search(r'<main id="main".*?</main>', page, re.S)
    assert main, "no <main>"
    part = main.group(0)
    for pattern in drop:
        part = re.sub(pattern, "", part, flags=re.S)
    part = re.sub(r"<(script|style|textarea|pre)\b.*?</\1>", "", part, flags=re.S)
    found = [html.unescape(value) for name in SHOWN_ATTRIBUTES
             for value in re.findall(rf'\s{name}="([^"]*)"', part)]
    text = re.sub(r"<[^>]+>", "\n", part)
    found += [line.strip() for line in html.unescape(text).split("\n")]
    return [t for t in found if HANGUL.search(t)]


def assert_english(page: str, known: list[str], *shown: str, drop: Iterable[str] = ()) -> None:
    assert '<html lang="en">' in page
    for text in shown:
        assert text in page, text
    left = []
    for text in shown_texts(page, drop=drop):
        rest = text
        for allowed in known:
            if allowed in rest:
                rest = rest.replace(allowed, "")
        if HANGUL.search(rest):
            left.append(text)
    assert not left, left


def english(client):  # noqa: ANN001, ANN201 - a Flask test client
    client.set_cookie("ieum_lang", "en")
    return client


def page_of(client, path: str) -> str:  # noqa: ANN001
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


# --- the program design studio (designer, reviewer) and the catalog --------------------------

SEEDED_PEOPLE = ("설계자", "검토자", "조사관", "이복지", "이사례", "박요양", "부산조사관")
CATALOG_DATA = (*SEEDED_PEOPLE, "카탈로그아동시설", "김하늘")


def test_the_program_studio_in_english(catalog_app) -> None:  # noqa: F811
    known = known_texts(catalog_app, *CATALOG_DATA)
    designer = english(_client(catalog_app, "pdesigner"))
    assert_english(page_of(designer, "/studio/"), known, "Welfare programs",
                   "Design a new welfare program", "Upload YAML", "Operations monitoring",
                   "Latest version")
    program = page_of(designer, "/studio/p/livelihood-2026")
    assert_english(program, known, "Similar programs", "Definition (v1)", "Simulation",
                   "View as YAML", "Review history",
                   # the reasons of ieum.catalog.similarity
                   drop=(r'data-similar="[^"]*">.*?</ul>',))
    assert_english(page_of(designer, "/studio/new"), known, "Basic information",
                   "Program code", "Parameters by year", "Available variables",
                   "Save and check for similar programs")
    assert_english(page_of(designer, "/studio/p/livelihood-2026/edit"), known,
                   "Edit ", "The published v1 stays as it is; saving creates v2.")
    assert_english(page_of(designer, "/studio/upload"), known, "YAML file", "Upload and check")
    assert_english(page_of(designer, "/studio/monitoring"), known, "Operations monitoring")
    assert_english(page_of(designer, "/studio/p/livelihood-2026/preview"), known,
                   "Application form preview: ")
    assert_english(page_of(designer, "/studio/p/livelihood-2026/outcomes"), known,
                   "Predicted vs actual: ",
                   # the message of ieum.services.catalog.compare
                   drop=(r'data-testid="no-prediction">[^<]*',))
    assert_english(page_of(designer, "/studio/p/livelihood-2026/retire"), known,
                   "Once retired, no new applications are accepted. Nothing is deleted.",
                   "Reason for retirement")

    reviewer = english(_client(catalog_app, "previewer"))
    assert_english(page_of(reviewer, "/studio/"), known, "Welfare programs", "Reviewer")


def test_a_flash_message_and_a_refusal_of_the_studio_in_english(catalog_app) -> None:  # noqa: F811
    designer = english(_client(catalog_app, "pdesigner"))
    answer = designer.post("/studio/upload", data={
        "csrf_token": csrf_token(designer, "/studio/upload"),
        "file": (io.BytesIO(b""), "")})
    assert answer.status_code == 400
    assert "Choose a YAML file to upload." in answer.get_data(as_text=True)
    check = designer.get("/studio/check?kind=nope&text=1")
    assert check.get_json()["error"] == "kind must be one of criteria, benefit, threshold."


def test_the_catalog_screens_of_a_facility_and_an_official_in_english(catalog_app) -> None:  # noqa: F811
    known = known_texts(catalog_app, *CATALOG_DATA)
    worker = english(_client(catalog_app, "cworker"))
    assert_english(page_of(worker, "/f/cat-child/programs/"), known,
                   "Fill in the application for the chosen programs")
    assert_english(page_of(worker, "/f/cat-child/programs/likely"), known,
                   "Welfare membership", "Find")
    assert_english(page_of(worker, "/f/cat-child/programs/apply?p=livelihood-2026"), known,
                   "Welfare program application form", "Apply")
    official = english(_client(catalog_app, "official"))
    assert_english(page_of(official, "/catalog/investigations/"), known,
                   "Awaiting investigation", "Decided")


# --- the regional screens (a 시·군·구 official) ---------------------------------------------

REPORT_DATA = ("조사관", "구청", "주무관", "홈", "아동양육시설")


def test_the_regional_screens_in_english(make_app, migrated_url) -> None:
    app = make_report_app(make_app, migrated_url)
    official = app.test_client()
    login(official, "guofficial")
    english(official)
    facilities = page_of(official, "/region/facilities/")
    # the facilities' names are data: read them off the page's rows
    names = re.findall(r'<tr data-facility="[^"]+"><td>([^<]*)</td>', facilities)
    plugin_menus = [title for title, _endpoint in app.jinja_env.globals["region_menu"]]
    known = known_texts(app, *REPORT_DATA, *names, *plugin_menus)
    assert_english(page_of(official, "/region/"), known, "Reports to review",
                   "Facilities in the area", "Regional work menu")
    assert_english(page_of(official, "/region/reports/"), known, "Find reports", "Sort",
                   "By due date", drop=(REPORTS_PAGER,))
    assert_english(facilities, known, "Find facilities", "Facility name")


# --- the content studio and its editors (a content author) ---------------------------------

def test_the_content_studio_and_its_editors_in_english(make_app, migrated_url) -> None:
    app = make_app(migrated_url, IEUM_TODAY=LAB_TODAY.isoformat())
    seed_lab(app)
    seed_people(app)
    author = signed_in(app, "author")
    save(author, "form", "lab_note", LAB_NOTE)
    english(author)
    known = known_texts(app, "작성자", "두번째작성자", "검토자", "겸임자", "직원", "알파",
                        *_strings(LAB_NOTE))
    assert_english(page_of(author, "/content/"), known, "Content studio", "Deployed content",
                   "Import a package (exported zip)")
    assert_english(page_of(author, "/content/form/lab_note/history"), known,
                   "Compare two versions", "Saved versions", drop=(STUDIO_CHANGES,))
    assert_english(page_of(author, f"/content/packages/{PACKAGE}"), known,
                   "Review and publication", "Request review")
    builder = page_of(author, "/content/form/casebook/edit")
    assert_english(builder, known, "Form builder", "Field types", "Cross-field validation rules")
    # the builder's script texts come in the page, in English
    assert '"고칠 곳을 고치면 미리보기가 보입니다.": "Fix the problems to see the preview."' \
        in builder
    assert_english(page_of(author, "/content/process/three_lane/edit"), known,
                   "Process modeller", "Download BPMN")
    assert_english(page_of(author, "/content/unit/casebook/edit"), known,
                   "Unit function editor", "Menu screens")
    assert_english(page_of(author, "/content/profile/form_lab/edit"), known,
                   "Facility type profile composer", "Roles and permissions")


def test_the_content_studio_in_korean_keeps_its_texts(make_app, migrated_url) -> None:
    app = make_app(migrated_url, IEUM_TODAY=LAB_TODAY.isoformat())
    seed_lab(app)
    seed_people(app)
    author = signed_in(app, "author")
    page = page_of(author, "/content/")
    assert '<html lang="ko">' in page and "배포된 콘텐츠" in page
    assert 'name="ieum-texts"' not in page  # Korean needs no script texts


# --- platform administration ---------------------------------------------------------------

def test_platform_administration_in_english(admin_app) -> None:  # noqa: F811
    root = admin_app.test_client()
    login(root, "root")
    english(root)
    known = known_texts(admin_app, "알파양육원", "베타복지관", "플랫폼관리자", "김관리",
                        "이복지", "박복지", "퇴직자")
    assert_english(page_of(root, "/admin/facilities"), known, "Register facility",
                   "Search facilities", "Assign later")
    assert_english(page_of(root, "/admin/facilities/alpha"), known, "Edit facility details",
                   "Users with a current role")
    assert_english(page_of(root, "/admin/profiles"), known, "Reuse rate")
    refused = _refused_capacity(root)
    assert "Enter the capacity as a number." in refused


def _refused_capacity(client) -> str:  # noqa: ANN001
    data = {"code": "gamma", "name": "감마양육원", "profile_code": "alpha_home",
            "region_code": "41110", "capacity": "many", "admin_mode": "none",
            "csrf_token": csrf_token(client, "/admin/facilities")}
    answer = client.post("/admin/facilities", data=data)
    assert answer.status_code == 400
    return answer.get_data(as_text=True)


@pytest.mark.parametrize("name", ["studio.po"])
def test_the_studio_catalogue_reads(name: str) -> None:
    table = i18n.table("en", [i18n.KERNEL_LOCALE])
    assert table["복지사업 설계 스튜디오"] == "Welfare program design studio"
    assert (i18n.KERNEL_LOCALE / "en" / name).is_file()
