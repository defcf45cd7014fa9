"""A studio package as files (issue 22): exported as a zip or wheel, it passes ``ieum check``,
installs with pip and loads as a plug-in; imported into another studio it gives the same
definitions back. Also the loader's overlay: a package's definition replaces the live one."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from ieum.definitions import check_content, load_registry
from ieum.store.migrate import upgrade
from tests.conftest import TEST_CONTENT
from tests.formlab import TODAY, seed_lab
from tests.studioutil import PACKAGE, seed_people, signed_in, token, write_drafts

IEUM = Path(sys.executable).parent / "ieum"
KEYS = {("form", "casebook"), ("form", "lab_note"), ("unit", "lab_notes"),
        ("profile", "form_lab")}


@pytest.fixture
def studio_app(make_app, sqlite_url, sqlite_template):  # noqa: ANN001, ANN201 - fixtures
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    seed_people(app)
    return app


def run_ieum(tmp_path: Path, *args: str, site: Path | None = None,
             ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IEUM_CONTENT_ROOT": str(TEST_CONTENT),
           "IEUM_INSTANCE_PATH": str(tmp_path / "cli-instance")}
    env.pop("PYTHONPATH", None)
    env.pop("IEUM_STUDIO_PACKAGES", None)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run([str(IEUM), *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)


def unzip(content: bytes, target: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        archive.extractall(target)
    return target / PACKAGE


def definitions(root: Path) -> dict:
    """What the package's definitions are once loaded over the test content."""
    registry = load_registry([TEST_CONTENT, root], plugins=False)
    return {
        "forms": {key: (registry.forms[key].version, registry.forms[key].schema_dict())
                  for kind, key in KEYS if kind == "form"},
        "unit": yaml.safe_load((registry.unit_functions["lab_notes"].path)
                               .read_text(encoding="utf-8")),
        "menu": [[item.unit for item in group.items]
                 for group in registry.profiles["form_lab"].menu],
        "grants": {role.id: {unit: (sorted(grant.actions), grant.scope)
                             for unit, grant in role.grants.items()}
                   for role in registry.profiles["form_lab"].roles.values()},
    }


def test_export_check_install_and_import_give_the_same_definitions(
        studio_app, make_app, tmp_path) -> None:
    write_drafts(studio_app)
    author = signed_in(studio_app, "author")
    exported = author.get(f"/content/packages/{PACKAGE}/export.zip")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    folder = unzip(exported.data, tmp_path / "export")
    assert {p.name for p in folder.iterdir()} >= {"forms", "unit_functions",
                                                   "facility_profiles", "pyproject.toml",
                                                   "ieum-studio.json", "__init__.py"}
    first = definitions(folder)
    assert first["forms"]["casebook"][0] == 3  # changed content: the next version
    assert "hobby" in first["forms"]["casebook"][1]["properties"]
    assert ["casebook", "lab_notes"] in first["menu"]

    # ieum check accepts the package folder (over the content it builds on) ...
    checked = run_ieum(tmp_path, "check", str(folder))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("OK: ")
    # ... and pip installs it; installed, it is a plug-in that ieum check loads
    source = tmp_path / "source"
    shutil.copytree(folder, source)
    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "--no-input", "--quiet", "--target",
         str(site), str(source)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    content = site / f"ieum_{PACKAGE}"
    assert (content / "forms" / "lab_note.json").is_file()
    assert (content / "ieum-studio.json").is_file()
    as_plugin = run_ieum(tmp_path, "check", site=site)
    assert as_plugin.returncode == 0, as_plugin.stdout + as_plugin.stderr
    assert f"1 plug-in ({PACKAGE})" in as_plugin.stdout
    listing = run_ieum(tmp_path, "list", site=site)
    assert "lab_notes" in listing.stdout, listing.stdout + listing.stderr
    assert definitions(content) == first

    # imported into another studio (another database), the same definitions come back
    second_url = f"sqlite:///{tmp_path / 'second.db'}"
    upgrade(second_url)
    second = make_app(second_url, IEUM_TODAY=TODAY.isoformat(),
                      IEUM_STUDIO_PACKAGES=str(tmp_path / "second-packages"))
    seed_people(second)
    importer = signed_in(second, "author")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(content.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, f"{PACKAGE}/{path.relative_to(content).as_posix()}")
    imported = importer.post("/content/packages/import", data={
        "csrf_token": token(importer), "file": (io.BytesIO(buffer.getvalue()), "pkg.zip")},
        content_type="multipart/form-data", follow_redirects=True)
    assert imported.status_code == 200, imported.get_data(as_text=True)[:2000]
    assert "4개 문서를 초안으로 가져왔습니다" in imported.get_data(as_text=True)
    again = unzip(importer.get(f"/content/packages/{PACKAGE}/export.zip").data,
                  tmp_path / "again")
    assert definitions(again) == first


def test_a_wheel_is_offered_for_download(studio_app) -> None:
    write_drafts(studio_app)
    wheel = signed_in(studio_app, "author").get(f"/content/packages/{PACKAGE}/export.whl")
    assert wheel.status_code == 200, wheel.get_data(as_text=True)[:500]
    disposition = wheel.headers["Content-Disposition"]
    assert disposition.endswith(".whl") and "ieum_studio_lab" in disposition
    with zipfile.ZipFile(io.BytesIO(wheel.data)) as archive:
        names = archive.namelist()
    assert "ieum_studio_lab/forms/lab_note.json" in names
    assert any(name.endswith("entry_points.txt") for name in names)


def test_an_upload_that_is_not_a_package_is_refused_in_korean(studio_app) -> None:
    author = signed_in(studio_app, "author")
    refused = author.post("/content/packages/import", data={
        "csrf_token": token(author), "file": (io.BytesIO(b"not a zip"), "x.zip")},
        content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "zip 파일이 아닙니다" in refused.get_data(as_text=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil/forms/x.json", "{}")
    sneaky = author.post("/content/packages/import", data={
        "csrf_token": token(author), "file": (io.BytesIO(buffer.getvalue()), "x.zip")},
        content_type="multipart/form-data")
    assert sneaky.status_code == 400
    assert "경로가 올바르지 않습니다" in sneaky.get_data(as_text=True)


def test_an_overlay_root_replaces_definitions_of_the_same_key(tmp_path) -> None:
    overlay = tmp_path / "overlay"
    (overlay / "forms").mkdir(parents=True)
    (overlay / "ieum-studio.json").write_text('{"name": "x"}', encoding="utf-8")
    form = yaml.safe_load((TEST_CONTENT / "forms" / "visit_note.json").read_text("utf-8"))
    form["version"] = 2
    form["properties"]["place"] = {"type": "string", "title": "장소"}
    (overlay / "forms" / "visit_note.json").write_text(json.dumps(form, ensure_ascii=False),
                                                       encoding="utf-8")
    # given first, the overlay still comes last and wins; no duplicate is reported
    registry = load_registry([overlay, TEST_CONTENT], plugins=False)
    assert registry.forms["visit_note"].version == 2
    assert "place" in registry.forms["visit_note"].properties
    assert registry.sources[-1].overlay and registry.sources[-1].root == overlay
    # without the marker it is an ordinary root: the same form twice is a problem
    (overlay / "ieum-studio.json").unlink()
    broken, problems = check_content([TEST_CONTENT, overlay], plugins=False)
    assert broken is None
    assert any("duplicate form id 'visit_note'" in p.message for p in problems)


def test_an_overlay_bpmn_file_replaces_the_file_defining_the_same_process(tmp_path) -> None:
    overlay = tmp_path / "overlay"
    (overlay / "workflows" / "bpmn").mkdir(parents=True)
    (overlay / "ieum-studio.json").write_text("{}", encoding="utf-8")
    text = (TEST_CONTENT / "workflows" / "bpmn" / "reminder.bpmn").read_text("utf-8")
    registry = load_registry([TEST_CONTENT], plugins=False)
    process_id = next(p.id for p in registry.processes.values()
                      if p.path.name == "reminder.bpmn")
    (overlay / "workflows" / "bpmn" / "renamed.bpmn").write_text(text, encoding="utf-8")
    overlaid = load_registry([TEST_CONTENT, overlay], plugins=False)
    assert overlaid.processes[process_id].path == overlay / "workflows" / "bpmn" / "renamed.bpmn"


def test_a_package_folder_chosen_in_the_browser_is_imported(studio_app, tmp_path) -> None:
    write_drafts(studio_app)
    author = signed_in(studio_app, "author")
    folder = unzip(author.get(f"/content/packages/{PACKAGE}/export.zip").data, tmp_path / "x")
    uploads = [(io.BytesIO(path.read_bytes()), f"{PACKAGE}/{path.relative_to(folder).as_posix()}")
               for path in sorted(folder.rglob("*")) if path.is_file()]
    imported = author.post("/content/packages/import", data={
        "csrf_token": token(author), "folder": uploads, "package": "studio_copy"},
        content_type="multipart/form-data", follow_redirects=True)
    page = imported.get_data(as_text=True)
    assert imported.status_code == 200, page[:2000]
    # three bodies are the latest drafts already (only their package changes); casebook was
    # exported with the next form version (3), which is a change
    assert "1개 문서를 초안으로 가져왔습니다(같은 내용 3개는 그대로)" in page
    assert author.get("/content/form/casebook/document").get_json()["body"]["version"] == 3
    assert author.get("/content/form/lab_note/document").get_json()["package"] == "studio_copy"


def test_one_saved_version_is_readable_as_json(studio_app) -> None:
    write_drafts(studio_app)
    author = signed_in(studio_app, "author")
    first = author.get("/content/form/lab_note/versions/1")
    assert first.status_code == 200
    data = first.get_json()
    assert data["version"] == 1 and data["body"]["title"] == "실험 메모"
    assert data["author"] == "작성자" and data["published"] is False
    assert author.get("/content/form/lab_note/versions/9").status_code == 404
    assert author.get("/content/form/lab_note/versions/x1").status_code == 404
    assert author.get("/content/form/no_draft/versions/1").get_json()["status"] == 404
