"""The content studio: drafts of forms, processes, unit functions and profiles, with versions.

A document has a kind (``form``, ``process``, ``unit``, ``profile``) and a key (form id, BPMN
process id, unit function id, profile code). Saving stores a new version of the whole body;
a save names the version it was based on and is refused (409) when someone saved since.
Every save runs the checks of :mod:`ieum.services.studio.checks` (the same as ``ieum check``)
and keeps the draft even with problems: publication needs none. Documents are grouped into
packages (:mod:`ieum.services.studio.packages`), reviewed by a second person and published
as package folders; files stay the one source of truth.

Only users with the public role ``content_author`` save; ``content_reviewer`` reads
(:mod:`ieum.services.studio.access`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.access.officials import PublicRoles
from ieum.definitions import Registry
from ieum.services import ServiceError, is_id
from ieum.services.studio.access import require_author
from ieum.services.studio.checks import KIND_TITLES, check_documents, live_body
from ieum.store.models import User, utcnow
from ieum.store.models_studio import StudioDocument, StudioPackage, StudioVersion
from ieum.studio.diff import describe_changes
from ieum.studio.problems import StudioProblem

KINDS = tuple(KIND_TITLES)
KEY_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
PACKAGE_PATTERN = re.compile(r"[a-z][a-z0-9_]{2,40}")
MAX_BODY_CHARS = 2_000_000
STATUS_TITLES = {"shipped": "배포본", "draft": "작성 중", "review": "검토 중",
                 "approved": "승인됨", "published": "게시됨"}
CONFLICT = ("다른 사용자가 먼저 이 문서를 저장했습니다(현재 {latest}판). 화면을 새로 고친 뒤 "
            "다시 고치세요.")
LOCKED = "검토 중이거나 승인된 패키지의 문서는 고칠 수 없습니다. 반려되거나 게시된 뒤 고치세요."


@dataclass(frozen=True)
class DocumentView:
    """What an editor loads: the latest draft, else the live definition (version None)."""

    kind: str
    key: str
    body: Any
    version: int | None
    status: str
    package: str | None = None
    problems: list[StudioProblem] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "body": self.body,
                "version": self.version, "status": self.status, "package": self.package,
                "problems": [{"pointer": p.pointer, "message": p.message}
                             for p in self.problems]}


@dataclass(frozen=True)
class Saved:
    document: StudioDocument
    version: StudioVersion
    problems: list[StudioProblem]


# --- checking input ---------------------------------------------------------------------------

def check_kind(kind: str) -> str:
    if kind not in KIND_TITLES:
        raise ServiceError(f"없는 문서 종류입니다: {kind[:20]} (가능한 종류: 양식, 프로세스, "
                           "단위기능, 프로필)", status=404)
    return kind


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ServiceError("문서 키는 영문자나 밑줄로 시작하고 영문자·숫자·밑줄·하이픈만 쓸 수 "
                           "있습니다(최대 64자).", field="key", status=404)
    return key


def check_package_name(name: str) -> str:
    if not isinstance(name, str) or not PACKAGE_PATTERN.fullmatch(name):
        raise ServiceError("패키지 이름은 영문 소문자로 시작하고 영문 소문자·숫자·밑줄만 쓸 수 "
                           "있습니다(3~41자, 예: studio_visit_care).", field="package")
    return name


def check_body(kind: str, body: Any) -> Any:
    """400 for a body of the wrong type: a JSON object, or BPMN XML text for processes."""
    if kind == "process":
        if not isinstance(body, str) or not body.strip():
            raise ServiceError("프로세스 본문은 BPMN XML 문자열이어야 합니다.", field="body")
        text = body
    else:
        if not isinstance(body, dict):
            raise ServiceError(f"{KIND_TITLES[kind]} 본문은 JSON 객체여야 합니다.", field="body")
        text = json.dumps(body, ensure_ascii=False)
    if len(text) > MAX_BODY_CHARS:
        raise ServiceError("문서가 너무 큽니다(최대 2백만 자).", field="body")
    if "\x00" in text:
        raise ServiceError("입력값에 쓸 수 없는 문자(NUL)가 있습니다.", field="body")
    return body


def default_package_name(kind: str, key: str) -> str:
    name = re.sub(r"[^a-z0-9_]", "_", key.lower()).strip("_") or kind
    return f"studio_{name}"[:41]


# --- reading ----------------------------------------------------------------------------------

def find_document(session: Session, kind: str, key: str) -> StudioDocument | None:
    return session.scalar(select(StudioDocument).where(StudioDocument.kind == kind,
                                                       StudioDocument.key == key))


def get_version(session: Session, document: StudioDocument, number: int) -> StudioVersion:
    version = session.scalar(select(StudioVersion).where(
        StudioVersion.document_id == document.id, StudioVersion.number == number)) \
        if is_id(number) else None
    if version is None:
        raise ServiceError(f"{number}판을 찾을 수 없습니다.", status=404)
    return version


def version_of(session: Session, kind: str, key: str, number: int) -> StudioVersion:
    """Version ``number`` of the draft ``kind``/``key``, else 404."""
    document = find_document(session, check_kind(kind), check_key(key))
    if document is None:
        raise ServiceError("저장된 초안이 없습니다.", status=404)
    return get_version(session, document, number)


def versions_of(session: Session, document: StudioDocument) -> list[StudioVersion]:
    return list(session.scalars(select(StudioVersion).where(
        StudioVersion.document_id == document.id).order_by(StudioVersion.number.desc())))


def document_status(document: StudioDocument) -> str:
    if document.published_version is not None \
            and document.published_version == document.latest_version:
        return "published"
    package = document.package
    if package is not None and package.status in ("review", "approved"):
        return package.status
    return "draft"


def load_document(session: Session, registry: Registry, kind: str, key: str, *,
                  with_problems: bool = True) -> DocumentView:
    """The latest draft version of ``kind``/``key``, else the live definition, else 404."""
    check_kind(kind)
    check_key(key)
    document = find_document(session, kind, key)
    if document is not None and document.latest_version:
        version = get_version(session, document, document.latest_version)
        problems = _check_with_package(session, registry, kind, key, version.body,
                                       document.package) if with_problems else []
        return DocumentView(kind, key, version.body, version.number, document_status(document),
                            document.package.name if document.package else None, problems)
    body = live_body(registry, kind, key)
    if body is None:
        raise ServiceError(f"{KIND_TITLES[kind]} '{key}'이(가) 없습니다. 새로 만들려면 편집 "
                           "화면에서 저장하세요.", status=404)
    return DocumentView(kind, key, body, None, "shipped", None, [])


def check_draft(session: Session, registry: Registry, kind: str, key: str, body: Any, *,
                package: str | None = None) -> list[StudioProblem]:
    """The problems of ``body`` as ``kind``/``key`` (nothing is saved), checked with the
    other drafts of its package (``package``, else the one the draft is in)."""
    check_kind(kind)
    check_key(key)
    check_body(kind, body)
    return _check_with_package(session, registry, kind, key, body, package)


def _package_of(session: Session, kind: str, key: str, package: str | None,
                ) -> StudioPackage | None:
    if package:
        check_package_name(package)
        return session.scalar(select(StudioPackage).where(StudioPackage.name == package))
    document = find_document(session, kind, key)
    if document is not None and document.package is not None:
        return document.package
    return session.scalar(select(StudioPackage).where(
        StudioPackage.name == default_package_name(kind, key)))


def _check_with_package(session: Session, registry: Registry, kind: str, key: str, body: Any,
                        package: str | StudioPackage | None) -> list[StudioProblem]:
    """``body`` checked over the live content together with the latest drafts of the other
    documents of its package (a unit names a form drafted beside it)."""
    owner = package if isinstance(package, StudioPackage) else \
        _package_of(session, kind, key, package)
    documents = dict(latest_bodies(session, owner)) if owner is not None else {}
    documents[(kind, key)] = body
    return check_documents(registry, documents)[(kind, key)]


# --- saving -----------------------------------------------------------------------------------

def package_named(session: Session, name: str, user: User | None = None, *,
                  create: bool = True) -> StudioPackage:
    check_package_name(name)
    package = session.scalar(select(StudioPackage).where(StudioPackage.name == name))
    if package is None:
        if not create:
            raise ServiceError(f"패키지 '{name}'이(가) 없습니다.", status=404)
        package = StudioPackage(name=name, title="", status="draft",
                                created_by_id=user.id if user else None)
        session.add(package)
        session.flush()
    return package


def save_document(session: Session, registry: Registry, user: User, roles: PublicRoles,
                  kind: str, key: str, body: Any, *, base_version: int | None,
                  note: str = "", package: str | None = None, actor: Actor) -> Saved:
    """Store ``body`` as the next version of ``kind``/``key``; 409 unless ``base_version``
    is the latest version (None: the document has no draft yet). Commits."""
    require_author(roles)
    check_kind(kind)
    check_key(key)
    check_body(kind, body)
    if base_version is not None and not is_id(base_version):
        raise ServiceError("base_version은 양의 정수나 null이어야 합니다.", field="base_version")
    note = (note or "").strip()[:500] if isinstance(note, str) else ""
    document = find_document(session, kind, key)
    latest = document.latest_version if document is not None else 0
    if (base_version or 0) != latest:
        raise ServiceError(CONFLICT.format(latest=latest), status=409)
    if document is None:
        document = StudioDocument(kind=kind, key=key, latest_version=0,
                                  created_by_id=user.id)
        session.add(document)
    target = package or (document.package.name if document.package else None) \
        or default_package_name(kind, key)
    owner = package_named(session, target, user)
    if owner.status in ("review", "approved"):
        raise ServiceError(LOCKED, status=409)
    if document.package is not None and document.package is not owner \
            and document.package.status in ("review", "approved"):
        raise ServiceError(LOCKED, status=409)
    if owner.status == "published":
        owner.status = "draft"  # a new round of changes
    document.package = owner
    problems = _check_with_package(session, registry, kind, key, body, owner)
    document.latest_version = latest + 1
    document.updated_at = utcnow()
    version = StudioVersion(number=latest + 1, body=body, note=note, author_id=user.id,
                            problem_count=len(problems))
    try:
        session.flush()
        version.document_id = document.id
        session.add(version)
        session.flush()
    except IntegrityError:  # someone saved the same version at the same moment
        session.rollback()
        raise ServiceError(CONFLICT.format(latest=latest + 1), status=409) from None
    record_event(session, "studio.save", actor, target_type=f"studio_{kind}", target_id=key,
                 detail={"version": version.number, "package": owner.name,
                         "problems": len(problems), "note": note})
    session.commit()
    return Saved(document, version, problems)


def move_document(session: Session, user: User, roles: PublicRoles, kind: str, key: str,
                  package: str, *, actor: Actor) -> StudioDocument:
    """Put the draft ``kind``/``key`` in the package ``package`` (created when new)."""
    require_author(roles)
    document = find_document(session, check_kind(kind), check_key(key))
    if document is None:
        raise ServiceError("저장된 초안이 없습니다.", status=404)
    target = package_named(session, package, user)
    for one in (document.package, target):
        if one is not None and one.status in ("review", "approved"):
            raise ServiceError(LOCKED, status=409)
    previous = document.package.name if document.package else None
    document.package = target
    record_event(session, "studio.move", actor, target_type=f"studio_{kind}", target_id=key,
                 detail={"from": previous, "to": target.name})
    session.commit()
    return document


@dataclass(frozen=True)
class DraftRow:
    """One line of the studio home's list of drafts."""

    kind: str
    key: str
    version: int
    status: str
    package: str | None
    author: str
    updated_at: Any
    problem_count: int


def list_drafts(session: Session, *, text: str = "") -> list[DraftRow]:
    rows = []
    statement = (select(StudioDocument, StudioVersion)
                 .join(StudioVersion, (StudioVersion.document_id == StudioDocument.id)
                       & (StudioVersion.number == StudioDocument.latest_version))
                 .order_by(StudioDocument.updated_at.desc(), StudioDocument.id.desc()))
    for document, version in session.execute(statement):
        if text and text.lower() not in document.key.lower() and not (
                document.package and text.lower() in document.package.name.lower()):
            continue
        rows.append(DraftRow(document.kind, document.key, version.number,
                             document_status(document),
                             document.package.name if document.package else None,
                             version.author.name if version.author else "-",
                             document.updated_at, version.problem_count))
    return rows


@dataclass(frozen=True)
class ContentRow:
    """A live definition the studio can open."""

    kind: str
    key: str
    title: str
    source: str


def live_content(registry: Registry, *, text: str = "", kind: str = "") -> list[ContentRow]:
    """The live forms, processes, unit functions and profiles, by kind then key; ``text``
    keeps those whose key or title contains it, ``kind`` those of one kind."""
    overlays = [s.root.resolve() for s in registry.sources if s.overlay and not s.plugin]

    def source(plugin: str | None, path: Path) -> str:
        if plugin:
            return f"플러그인 {plugin}"
        resolved = path.resolve()
        for root in overlays:
            if resolved.is_relative_to(root):
                return f"스튜디오 패키지 {root.name}"
        return "기본 콘텐츠"

    rows = [ContentRow("form", f.id, f.title, source(f.plugin, f.path))
            for f in registry.forms.values()]
    rows += [ContentRow("process", p.id, p.name or p.id, source(p.plugin, p.path))
             for p in registry.processes.values()]
    rows += [ContentRow("unit", u.id, u.title, source(u.plugin, u.path))
             for u in registry.unit_functions.values()]
    rows += [ContentRow("profile", p.code, p.title, source(p.plugin, p.path))
             for p in registry.profiles.values()]
    needle = text.strip().lower()
    order = {name: index for index, name in enumerate(KINDS)}
    return sorted((row for row in rows
                   if (not kind or row.kind == kind)
                   and (not needle or needle in row.key.lower() or needle in row.title.lower())),
                  key=lambda row: (order[row.kind], row.key))


# --- history and the worded diff ----------------------------------------------------------------

@dataclass(frozen=True)
class HistoryLine:
    version: StudioVersion
    changes: list[str]


@dataclass(frozen=True)
class HistoryPage:
    kind: str
    key: str
    document: StudioDocument
    status: str
    lines: list[HistoryLine]
    #: The two versions compared (0: the live definition) and the changes between them.
    older: int | None
    newer: int | None
    changes: list[str]
    has_live: bool


def history(session: Session, registry: Registry, kind: str, key: str, *,
            older: int | None = None, newer: int | None = None) -> HistoryPage:
    """Every version of a draft, each with what it changed over the one before, and the
    changes between ``older`` and ``newer`` (0 is the live definition; by default the
    version before the latest and the latest)."""
    document = find_document(session, check_kind(kind), check_key(key))
    if document is None or not document.latest_version:
        raise ServiceError("저장된 초안이 없습니다.", status=404)
    versions = versions_of(session, document)  # newest first
    live = live_body(registry, kind, key)
    lines = []
    for index, version in enumerate(versions):
        before = versions[index + 1].body if index + 1 < len(versions) else live
        lines.append(HistoryLine(version, describe_changes(kind, before, version.body)))
    bodies = {version.number: version.body for version in versions}
    if live is not None:
        bodies[0] = live
    newer = newer if newer in bodies else document.latest_version
    if older not in bodies:
        candidates = [number for number in bodies if number < newer]
        older = max(candidates) if candidates else None
    changes = describe_changes(kind, bodies.get(older) if older is not None else None,
                               bodies[newer])
    return HistoryPage(kind, key, document, document_status(document), lines, older, newer,
                       changes, live is not None)


# --- packages (the lifecycle is in ieum.services.studio.packages) ------------------------------

@dataclass(frozen=True)
class PackageView:
    package: StudioPackage
    rows: list[DraftRow]
    reviews: list[Any]
    problems: dict[str, list[StudioProblem]]


def package_view(session: Session, registry: Registry, name: str, *,
                 with_problems: bool = True) -> PackageView:
    """A package with its drafts, their problems checked together, and its review steps."""
    from ieum.store.models_studio import StudioReview

    package = package_named(session, name, create=False)
    rows = [row for row in list_drafts(session) if row.package == package.name]
    problems: dict[str, list[StudioProblem]] = {}
    if with_problems and rows:
        bodies = latest_bodies(session, package)
        for (kind, key), found in check_documents(registry, bodies).items():
            problems[f"{kind}/{key}"] = found
    reviews = list(session.scalars(select(StudioReview).where(
        StudioReview.package_id == package.id).order_by(StudioReview.id)))
    return PackageView(package, rows, reviews, problems)


def latest_bodies(session: Session, package: StudioPackage) -> dict[tuple[str, str], Any]:
    """The latest version's body of every document of ``package``."""
    bodies = {}
    for document in package.documents:
        if document.latest_version:
            bodies[(document.kind, document.key)] = get_version(
                session, document, document.latest_version).body
    return bodies
