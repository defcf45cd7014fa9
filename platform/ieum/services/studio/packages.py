"""A studio package's lifecycle: submit for review, approve or return (a second person),
publish as a package folder (the one source of truth), export as zip or wheel, import.

Publishing writes the package's documents as a content root in the studio's packages folder
(``IEUM_STUDIO_PACKAGES``; an *overlay*: each definition replaces the live one of the same
key), marks the published versions and raises the content generation, so that every worker
process reloads its registry (:func:`content_generation`). The folder is also an installable
Python distribution (``pyproject.toml``, entry point ``ieum.content``), accepted by
``ieum check <folder>``; importing such a folder or its zip gives the same drafts back.

Records keep the form version they were saved with: a form whose content changed is
published with a higher ``version`` than the live one, and the live version is kept as a
snapshot (``form_snapshot``) first. Running processes keep the spec they started on (the
process runner restores them from their serialized state).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.access.officials import PublicRoles
from ieum.definitions import Registry
from ieum.definitions.bpmn import process_ids
from ieum.definitions.sources import OVERLAY_MARKER
from ieum.services import ServiceError
from ieum.services.records.form_versions import remember
from ieum.services.studio import (
    check_body,
    check_key,
    check_package_name,
    find_document,
    get_version,
    latest_bodies,
    package_named,
)
from ieum.services.studio.access import AUTHOR, REVIEWER, require_author, require_reviewer
from ieum.services.studio.checks import check_documents, live_body, write_documents
from ieum.store.models import User, utcnow
from ieum.store.models_studio import (
    ContentState,
    StudioDocument,
    StudioPackage,
    StudioReview,
    StudioVersion,
)

ACTION_TITLES = {"submit": "검토 요청", "approve": "승인", "return": "반려",
                 "publish": "게시", "import": "가져오기"}
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_FILES = 2000
SELF_REVIEW = ("직접 작성하거나 검토를 요청한 패키지는 승인할 수 없습니다. 다른 검토자가 "
               "승인해야 합니다.")


class PackageInvalid(ServiceError):
    """The package's drafts have problems: ``errors`` maps ``kind/key`` to messages."""

    def __init__(self, message: str, errors: dict[str, list[str]]) -> None:
        super().__init__(message, status=400)
        self.errors = errors


# --- the content generation -------------------------------------------------------------------

def content_generation(session: Session) -> int:
    """The generation of the published content (0 before the first publication). A database
    that fails here fails the request, as any other statement would."""
    return session.scalar(_GENERATION) or 0


#: built once (asked on every request that loads no user: anonymous pages, the API)
_GENERATION = select(ContentState.generation).where(ContentState.id == 1)


def _raise_generation(session: Session) -> int:
    state = session.get(ContentState, 1, with_for_update=True)
    if state is None:
        state = ContentState(id=1, generation=0)
        session.add(state)
    state.generation = (state.generation or 0) + 1
    state.updated_at = utcnow()
    session.flush()
    return state.generation


# --- review -----------------------------------------------------------------------------------

def _pending(session: Session, package: StudioPackage) -> dict[str, int]:
    """``{"kind/key": latest version}`` of the package's documents changed since they were
    last published."""
    return {f"{d.kind}/{d.key}": d.latest_version for d in package.documents
            if d.latest_version and d.latest_version != d.published_version}


def _problems(registry: Registry, session: Session, package: StudioPackage,
              ) -> dict[str, list[str]]:
    found = check_documents(registry, latest_bodies(session, package))
    return {f"{kind}/{key}": [f"{p.pointer}: {p.message}" if p.pointer else p.message
                              for p in problems]
            for (kind, key), problems in found.items() if problems}


def _step(session: Session, package: StudioPackage, action: str, user: User | None,
          actor: Actor, *, reason: str = "", versions: Mapping[str, int] | None = None,
          ) -> StudioReview:
    step = StudioReview(package_id=package.id, action=action,
                        user_id=user.id if user else None, reason=reason,
                        versions=dict(versions) if versions is not None else None)
    session.add(step)
    record_event(session, f"studio.{action}", actor, target_type="studio_package",
                 target_id=package.name,
                 detail={"versions": dict(versions or {}), **({"reason": reason}
                                                              if reason else {})})
    return step


def submit(session: Session, registry: Registry, user: User, roles: PublicRoles, name: str,
           *, actor: Actor) -> StudioPackage:
    """Send the package to review: it must have changes and no problems. Commits."""
    require_author(roles)
    package = package_named(session, name, create=False)
    if package.status != "draft":
        raise ServiceError("작성 중인 패키지만 검토를 요청할 수 있습니다.", status=409)
    pending = _pending(session, package)
    if not pending:
        raise ServiceError("게시 뒤 바뀐 초안이 없어 검토를 요청할 것이 없습니다.", status=409)
    problems = _problems(registry, session, package)
    if problems:
        raise PackageInvalid("고칠 곳이 남은 초안이 있어 검토를 요청할 수 없습니다.", problems)
    package.status = "review"
    package.submitted_by_id = user.id
    package.submitted_versions = pending
    package.reviewed_by_id = None
    _step(session, package, "submit", user, actor, versions=pending)
    session.commit()
    return package


def _authors(session: Session, package: StudioPackage) -> set[int]:
    """Who wrote the versions under review (since each document's last publication)."""
    authors: set[int] = set()
    for document in package.documents:
        after = document.published_version or 0
        authors |= set(session.scalars(select(StudioVersion.author_id).where(
            StudioVersion.document_id == document.id, StudioVersion.number > after,
            StudioVersion.author_id.is_not(None))))
    return authors


def approve(session: Session, user: User, roles: PublicRoles, name: str, *,
            actor: Actor) -> StudioPackage:
    """A reviewer who neither wrote nor submitted the package approves it. Commits."""
    require_reviewer(roles)
    package = package_named(session, name, create=False)
    if package.status != "review":
        raise ServiceError("검토 중인 패키지만 승인할 수 있습니다.", status=409)
    if user.id == package.submitted_by_id or user.id in _authors(session, package):
        raise ServiceError(SELF_REVIEW, status=403)
    package.status = "approved"
    package.reviewed_by_id = user.id
    _step(session, package, "approve", user, actor, versions=package.submitted_versions)
    session.commit()
    return package


def return_package(session: Session, user: User, roles: PublicRoles, name: str, reason: str,
                   *, actor: Actor) -> StudioPackage:
    """A reviewer returns the package to its authors with a reason. Commits."""
    require_reviewer(roles)
    package = package_named(session, name, create=False)
    if package.status not in ("review", "approved"):
        raise ServiceError("검토 중이거나 승인된 패키지만 반려할 수 있습니다.", status=409)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("반려 사유를 입력하세요.", field="reason")
    if len(reason) > 2000:
        raise ServiceError("반려 사유가 너무 깁니다(최대 2000자).", field="reason")
    package.status = "draft"
    package.reviewed_by_id = user.id
    _step(session, package, "return", user, actor, reason=reason,
          versions=package.submitted_versions)
    session.commit()
    return package


def review_queue(session: Session) -> list[StudioPackage]:
    return list(session.scalars(select(StudioPackage).where(
        StudioPackage.status == "review").order_by(StudioPackage.updated_at)))


def list_packages(session: Session) -> list[StudioPackage]:
    return list(session.scalars(select(StudioPackage).order_by(StudioPackage.name)))


# --- the package folder -----------------------------------------------------------------------

def module_name(name: str) -> str:
    return name if name.startswith("ieum_") else f"ieum_{name}"


def distribution_name(name: str) -> str:
    return module_name(name).replace("_", "-")


PYPROJECT = """\
# A package of the ieum content studio ({title}): content only, no code.
# `pip install .` installs it; its content is found through the entry point below.
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{distribution}"
version = "{version}"
description = "ieum content studio package {name}"
requires-python = ">=3.11"

[project.entry-points."ieum.content"]
{name} = "{module}:content_root"

[tool.setuptools]
packages = ["{module}"]
package-dir = {{"{module}" = "."}}
include-package-data = false

[tool.setuptools.package-data]
{module} = [
    "ieum-studio.json",
    "forms/*.json", "forms/**/*.json",
    "workflows/bpmn/*.bpmn", "workflows/bpmn/**/*.bpmn",
    "unit_functions/*/*.yaml",
    "facility_profiles/*.yaml",
]
"""

INIT = '''"""ieum content studio package {name}: its folder is the content root (overlay)."""

from pathlib import Path


def content_root() -> Path:
    return Path(__file__).resolve().parent
'''


def _exported_forms(registry: Registry, bodies: dict[tuple[str, str], Any],
                    ) -> dict[tuple[str, str], Any]:
    """The bodies as published: a form whose content differs from the live form of the same
    version gets the next version number, so records keep theirs."""
    result = dict(bodies)
    for (kind, key), body in bodies.items():
        if kind != "form" or not isinstance(body, dict):
            continue
        live = live_body(registry, "form", key)
        if live is None:
            continue
        live_version = int(live.get("version") or 1)
        same = {k: v for k, v in body.items() if k != "version"} == \
            {k: v for k, v in live.items() if k != "version"}
        version = body.get("version")
        if same:
            version = live_version
        elif not isinstance(version, int) or version <= live_version:
            version = live_version + 1
        result[(kind, key)] = {**body, "version": version}
    return result


def write_package(folder: Path, registry: Registry | None, package: StudioPackage,
                  bodies: dict[tuple[str, str], Any], *, generation: int | None = None,
                  ) -> Path:
    """Write ``bodies`` as the package folder ``folder/<name>`` (replaced whole, atomically
    as far as the file system allows); its path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / package.name
    scratch = Path(tempfile.mkdtemp(prefix=f".{package.name}-", dir=folder))
    try:
        write_documents(scratch, registry, bodies)
        version = f"0.{generation or 0}.0"
        manifest = {"name": package.name, "title": package.title or package.name,
                    "generation": generation,
                    "documents": sorted(f"{kind}/{key}" for kind, key in bodies)}
        (scratch / OVERLAY_MARKER).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (scratch / "pyproject.toml").write_text(PYPROJECT.format(
            title=package.title or package.name, name=package.name,
            module=module_name(package.name), distribution=distribution_name(package.name),
            version=version), encoding="utf-8")
        (scratch / "__init__.py").write_text(INIT.format(name=package.name), encoding="utf-8")
        old = None
        if target.exists():
            old = folder / f".{package.name}-old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            target.rename(old)
        scratch.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return target


@dataclass(frozen=True)
class Published:
    package: StudioPackage
    folder: Path
    generation: int


def publish(session: Session, registry: Registry, user: User, roles: PublicRoles, name: str,
            folder: Path, *, actor: Actor) -> Published:
    """Export an approved package into ``folder`` and make it live: the versions are marked
    published and the content generation raised. Commits. The caller reloads its registry
    (other processes notice the generation)."""
    if not (roles.has(AUTHOR) or roles.has(REVIEWER)):
        raise ServiceError("콘텐츠 작성자나 검토자만 게시할 수 있습니다.", status=403)
    package = package_named(session, name, create=False)
    if package.status != "approved":
        raise ServiceError("승인된 패키지만 게시할 수 있습니다. 먼저 다른 검토자의 승인을 "
                           "받으세요.", status=409)
    if _pending(session, package) != (package.submitted_versions or {}):
        raise ServiceError("승인 뒤 바뀐 초안이 있습니다. 다시 검토를 요청하세요.", status=409)
    problems = _problems(registry, session, package)
    if problems:
        raise PackageInvalid("지금의 콘텐츠와 함께 검사하니 고칠 곳이 있어 게시할 수 없습니다.",
                             problems)
    bodies = _exported_forms(registry, latest_bodies(session, package))
    for (kind, key), _body in bodies.items():
        if kind == "form" and key in registry.forms:
            remember(session, registry.forms[key])  # records of the live version stay readable
    generation = _raise_generation(session)
    path = write_package(folder, registry, package, bodies, generation=generation)
    now = utcnow()
    for document in package.documents:
        if not document.latest_version:
            continue
        for version in session.scalars(select(StudioVersion).where(
                StudioVersion.document_id == document.id,
                StudioVersion.published_at.is_(None))):
            version.published_at = now
        document.published_version = document.latest_version
    package.status = "published"
    package.published_at = now
    package.published_generation = generation
    _step(session, package, "publish", user, actor, versions=package.submitted_versions)
    session.commit()
    return Published(package, path, generation)


# --- export and import ------------------------------------------------------------------------

def export_folder(session: Session, registry: Registry, name: str, folder: Path) -> Path:
    """The package's latest drafts written as a package folder under ``folder`` (a download,
    not a publication)."""
    package = package_named(session, name, create=False)
    bodies = _exported_forms(registry, latest_bodies(session, package))
    if not bodies:
        raise ServiceError("패키지에 초안이 없습니다.", status=409)
    return write_package(folder, registry, package, bodies,
                         generation=package.published_generation)


def export_zip(session: Session, registry: Registry, name: str) -> bytes:
    """The package folder as a zip (its files under ``<name>/``)."""
    with tempfile.TemporaryDirectory(prefix="ieum-studio-export-") as scratch:
        path = export_folder(session, registry, name, Path(scratch))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(path.rglob("*")):
                if file.is_file():
                    archive.write(file, PurePosixPath(path.name, *file.relative_to(path).parts))
        return buffer.getvalue()


def export_wheel(session: Session, registry: Registry, name: str) -> tuple[str, bytes]:
    """The package built as a wheel (``pip wheel``, no network): file name and bytes."""
    with tempfile.TemporaryDirectory(prefix="ieum-studio-wheel-") as scratch:
        path = export_folder(session, registry, name, Path(scratch) / "src")
        out = Path(scratch) / "dist"
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--no-index", "--disable-pip-version-check", "--no-input", "--quiet",
             "--wheel-dir", str(out), str(path)],
            capture_output=True, text=True, timeout=300, check=False)
        wheels = sorted(out.glob("*.whl")) if out.is_dir() else []
        if result.returncode != 0 or not wheels:
            raise ServiceError("휠 파일을 만들지 못했습니다: "
                               f"{(result.stderr or result.stdout).strip()[-300:]}", status=500)
        return wheels[0].name, wheels[0].read_bytes()


_CONTENT_FILE = re.compile(
    r"^(?:(?P<form>forms/(?:[^/]+/)*[^/_][^/]*\.json)"
    r"|(?P<process>workflows/bpmn/(?:[^/]+/)*[^/]+\.bpmn)"
    r"|(?P<unit>unit_functions/[^/]+/unit\.yaml)"
    r"|(?P<profile>facility_profiles/[^/]+\.ya?ml))$")


def read_package_files(files: Mapping[str, bytes]) -> tuple[str | None, dict[tuple[str, str], Any]]:
    """The package name (from ``ieum-studio.json``) and documents of a package's files, by
    path relative to the package root. Shared form parts (``forms/_*``) are left out."""
    name = None
    marker = files.get(OVERLAY_MARKER)
    if marker is not None:
        try:
            name = json.loads(marker.decode("utf-8")).get("name")
        except (ValueError, AttributeError, UnicodeDecodeError):
            name = None
    documents: dict[tuple[str, str], Any] = {}
    for path, content in sorted(files.items()):
        match = _CONTENT_FILE.match(path)
        if not match or any(part.startswith((".", "_")) for part in path.split("/")[1:]):
            continue
        try:
            text = content.decode("utf-8-sig")
            if match["form"]:
                documents[("form", PurePosixPath(path).stem)] = json.loads(text)
            elif match["process"]:
                for process_id in sorted(_ids_of(text)) or [PurePosixPath(path).stem]:
                    documents[("process", process_id)] = text
            elif match["unit"]:
                documents[("unit", PurePosixPath(path).parent.name)] = yaml.safe_load(text)
            else:
                documents[("profile", PurePosixPath(path).stem)] = yaml.safe_load(text)
        except (UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
            raise ServiceError(f"{path}을(를) 읽을 수 없습니다: {str(error)[:200]}") from None
    return name, documents


def _ids_of(text: str) -> frozenset[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".bpmn", encoding="utf-8",
                                     delete=False) as handle:
        handle.write(text)
    try:
        return process_ids(Path(handle.name))
    finally:
        os.unlink(handle.name)


def files_of_zip(content: bytes) -> dict[str, bytes]:
    """The files of an uploaded package zip, by path relative to the package root (the one
    folder that holds them all when there is one)."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ServiceError("파일이 너무 큽니다(최대 20MB).", field="file")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise ServiceError("zip 파일이 아닙니다. 내보낸 패키지(zip)를 올리세요.",
                           field="file") from None
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > MAX_IMPORT_FILES:
        raise ServiceError("파일이 너무 많습니다.", field="file")
    if sum(info.file_size for info in entries) > 5 * MAX_IMPORT_BYTES:
        raise ServiceError("압축을 푼 크기가 너무 큽니다.", field="file")
    return relative_files([(info.filename, lambda info=info: archive.read(info))
                           for info in entries])


def relative_files(entries: list[tuple[str, Any]]) -> dict[str, bytes]:
    """Uploaded files (a zip's entries, or a folder chosen in the browser) by path relative to
    the package root: the one top folder holding them all is taken off. Each entry is a name
    and its bytes (or a callable giving them)."""
    if len(entries) > MAX_IMPORT_FILES:
        raise ServiceError("파일이 너무 많습니다.", field="file")
    names = [PurePosixPath(name.replace("\\", "/")) for name, _content in entries]
    if any(not name.parts or name.is_absolute() or ".." in name.parts for name in names):
        raise ServiceError("zip 안의 경로가 올바르지 않습니다.", field="file")
    tops = {name.parts[0] for name in names if len(name.parts) > 1}
    strip = 1 if len(tops) == 1 and all(len(name.parts) > 1 for name in names) else 0
    files, total = {}, 0
    for name, (_name, content) in zip(names, entries, strict=True):
        data = content() if callable(content) else content
        total += len(data)
        if total > 5 * MAX_IMPORT_BYTES:
            raise ServiceError("가져올 파일이 너무 큽니다.", field="file")
        files["/".join(name.parts[strip:])] = data
    return files


def files_of_folder(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()
            and not any(part in ("build", "__pycache__") or part.endswith(".egg-info")
                        for part in path.relative_to(folder).parts)}


@dataclass(frozen=True)
class Imported:
    package: StudioPackage
    documents: list[tuple[str, str, int]]  # kind, key, version saved
    unchanged: list[tuple[str, str]]


def import_package(session: Session, registry: Registry, user: User, roles: PublicRoles,
                   files: Mapping[str, bytes], *, package: str | None = None,
                   actor: Actor) -> Imported:
    """Import a package's files as drafts: each document whose body differs from its latest
    draft (or live definition) becomes a new version, in the package ``package`` (by default
    the name the package carries). Commits."""
    require_author(roles)
    carried, documents = read_package_files(files)
    name = package or carried
    if not name:
        raise ServiceError("패키지 이름을 알 수 없습니다. 이름을 입력하세요.", field="package")
    check_package_name(name)
    if not documents:
        raise ServiceError("가져올 양식·프로세스·단위기능·프로필이 없습니다.", field="file")
    target = package_named(session, name, user)
    if target.status in ("review", "approved"):
        raise ServiceError("검토 중이거나 승인된 패키지로는 가져올 수 없습니다.", status=409)
    for (kind, key), body in documents.items():
        check_key(key)
        check_body(kind, body)
        existing = find_document(session, kind, key)
        if existing is not None and existing.package is not None \
                and existing.package.status in ("review", "approved") \
                and existing.package is not target:
            raise ServiceError(f"{kind}/{key}은(는) 검토 중인 다른 패키지에 있습니다.",
                               status=409)
    problems = check_documents(registry, documents)
    saved, unchanged = [], []
    for (kind, key), body in documents.items():
        document = find_document(session, kind, key)
        if document is None:
            document = StudioDocument(kind=kind, key=key, latest_version=0,
                                      created_by_id=user.id)
            session.add(document)
            session.flush()
        current = get_version(session, document, document.latest_version).body \
            if document.latest_version else live_body(registry, kind, key)
        document.package = target
        if current == body and document.latest_version:
            unchanged.append((kind, key))
            continue
        document.latest_version += 1
        document.updated_at = utcnow()
        session.add(StudioVersion(document_id=document.id, number=document.latest_version,
                                  body=body, note="패키지에서 가져옴", author_id=user.id,
                                  problem_count=len(problems.get((kind, key), []))))
        saved.append((kind, key, document.latest_version))
    if target.status == "published" and saved:
        target.status = "draft"
    session.flush()
    _step(session, target, "import", user, actor,
          versions={f"{kind}/{key}": number for kind, key, number in saved})
    session.commit()
    return Imported(target, saved, unchanged)
