"""The program catalog's lifecycle: drafts, versions, review, publication, retirement.

Designers (public role ``program_designer``) create and edit drafts; editing a published
program opens a new version. A draft goes to review; a reviewer (``program_reviewer``)
approves it (published: it appears in every facility's menu at once) or returns it with a
reason (back to draft). Review is a table-backed approval (``program_review`` rows), not a
BPMN process, since programs belong to no facility. Retiring stops new applications and
deletes nothing.

Every definition passes ``ieum.catalog.definition.parse_program``: the studio's form and a
YAML upload get the same Korean problems.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.access.officials import PublicRoles, public_roles
from ieum.catalog.definition import (
    ProgramDefinition,
    ProgramError,
    parse_program,
    parse_program_text,
    to_mapping,
)
from ieum.catalog.similarity import Similarity, similar_programs
from ieum.services import ServiceError, is_id
from ieum.services.conflicts import refuse_conflicts
from ieum.store.models import User, utcnow
from ieum.store.models_catalog import (
    Application,
    Program,
    ProgramReview,
    ProgramVersion,
    SimulationRun,
)

CONFLICT = "다른 사용자가 먼저 이 복지사업을 변경했습니다. 화면을 새로 고친 뒤 다시 시도하세요."
STATUS_TITLES = {"draft": "작성 중", "review": "검토 중", "published": "게시",
                 "superseded": "이전 버전", "retired": "폐지"}
ACTION_TITLES = {"submit": "검토 요청", "approve": "승인·게시", "return": "반려",
                 "retire": "폐지"}
MAX_YAML_BYTES = 512 * 1024


class DefinitionInvalid(ServiceError):
    """The definition has problems: ``errors`` maps each path to its Korean messages."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("복지사업 정의에 고칠 곳이 있습니다.", status=400)
        self.problems = problems
        self.errors: dict[str, list[str]] = {}
        for path, message in problems:
            self.errors.setdefault(path or "", []).append(message)


def has_nul(value: Any) -> bool:
    """A NUL character, which no database text column takes (PostgreSQL refuses it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


NUL_MESSAGE = "입력값에 쓸 수 없는 문자(NUL)가 있습니다."


# --- who may do what ------------------------------------------------------------------------

def roles_of(session: Session, user: User, day: dt.date) -> PublicRoles:
    return public_roles(session, user, day)


def require(roles: PublicRoles, *wanted: str) -> None:
    """403 unless the user holds one of ``wanted`` (public roles)."""
    if not any(roles.has(role) for role in wanted):
        raise ServiceError("복지사업 설계 스튜디오를 쓸 권한이 없습니다.", status=403)


# --- reading definitions ----------------------------------------------------------------------

_parsed: dict[str, ProgramDefinition] = {}
_parsed_lock = threading.Lock()


def definition_of(version: ProgramVersion) -> ProgramDefinition:
    """The parsed definition of a stored version, cached by its JSON text (parsing checks
    every expression; the text is the key, so a draft saved again or another database never
    gets a stale entry)."""
    key = json.dumps(version.definition, sort_keys=True, ensure_ascii=False)
    found = _parsed.get(key)
    if found is None:
        found = parse_program(version.definition)
        with _parsed_lock:
            if len(_parsed) > 500:
                _parsed.clear()
            _parsed[key] = found
    return found


def parse_upload(content: bytes) -> dict[str, Any]:
    """A YAML (or JSON) upload as a definition mapping, checked by the same ``parse_program``
    as the studio's form (so both give the same problems)."""
    if len(content) > MAX_YAML_BYTES:
        raise DefinitionInvalid([("", "파일이 너무 큽니다(최대 512KB).")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DefinitionInvalid([("", "UTF-8로 저장한 YAML 파일을 올리세요.")]) from None
    try:
        return to_mapping(parse_program_text(text))
    except ProgramError as error:
        raise DefinitionInvalid(list(error.problems)) from None


def check_definition(mapping: Mapping[str, Any]) -> ProgramDefinition:
    try:
        return parse_program(dict(mapping))
    except ProgramError as error:
        raise DefinitionInvalid(list(error.problems)) from None


# --- published programs (what facilities see) ----------------------------------------------------

@dataclass(frozen=True)
class Published:
    version_id: int
    program_id: int
    code: str
    name: str
    number: int
    definition: ProgramDefinition


def published_programs(session: Session) -> list[Published]:
    """Every program's published version, read per request (publication shows at once)."""
    rows = session.execute(
        select(ProgramVersion, Program)
        .join(Program, Program.id == ProgramVersion.program_id)
        .where(ProgramVersion.status == "published", Program.status == "published")
        .order_by(Program.name, Program.code)).all()
    return [Published(v.id, p.id, p.code, p.name, v.number, definition_of(v)) for v, p in rows]


@dataclass(frozen=True)
class MenuEntry:
    """A published program as the facility menu names it."""

    code: str
    name: str


def published_menu(session: Session) -> list[MenuEntry]:
    """The published programs' codes and names, in the order of ``published_programs``: the
    menu on every facility page, read without the programs' definitions (a column of the
    published version's JSON, parsed, for two words of the menu)."""
    rows = session.execute(published_menu_select().order_by(Program.name, Program.code)).all()
    return [MenuEntry(code, name) for code, name in rows]


def published_menu_select(*leading: Any) -> Select:
    """``SELECT *leading, code, name`` of the published programs, unordered (the menu's
    statement; ``ieum.services.page_frame`` folds it into the frame's one statement)."""
    return (select(*leading, Program.code, Program.name)
            .join(ProgramVersion, ProgramVersion.program_id == Program.id)
            .where(ProgramVersion.status == "published", Program.status == "published"))


def published_version(session: Session, code: str) -> Published:
    for item in published_programs(session):
        if item.code == code:
            return item
    raise ServiceError("게시된 복지사업을 찾을 수 없습니다.", status=404)


# --- listing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProgramRow:
    program: Program
    latest: ProgramVersion
    published: ProgramVersion | None
    applications: int


SORTS = {"name": (Program.name,), "code": (Program.code,),
         "updated": (Program.updated_at.desc(),), "status": (Program.status, Program.name)}
PAGE_SIZE = 25


def list_programs(session: Session, *, text: str = "", status: str = "", sort: str = "name",
                  page: int = 1) -> tuple[list[ProgramRow], int]:
    """Programs with their latest and published version; (rows of the page, total)."""
    statement = select(Program)
    text = text.replace("\x00", "")
    if text.strip():
        escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(or_(Program.name.ilike(pattern, escape="\\"),
                                        Program.code.ilike(pattern, escape="\\"),
                                        Program.owner.ilike(pattern, escape="\\")))
    if status in STATUS_TITLES:
        statement = statement.where(Program.status == status)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    page = max(1, page)
    programs = list(session.scalars(statement.order_by(*SORTS.get(sort, SORTS["name"]),
                                                       Program.id)
                                    .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    ids = [p.id for p in programs]
    versions: dict[int, list[ProgramVersion]] = {}
    counts: dict[int, int] = {}
    if ids:
        for version in session.scalars(select(ProgramVersion)
                                       .where(ProgramVersion.program_id.in_(ids))
                                       .order_by(ProgramVersion.number)):
            versions.setdefault(version.program_id, []).append(version)
        counts = dict(session.execute(
            select(ProgramVersion.program_id, func.count(Application.id))
            .join(Application, Application.program_version_id == ProgramVersion.id)
            .where(ProgramVersion.program_id.in_(ids))
            .group_by(ProgramVersion.program_id)).all())
    rows = []
    for program in programs:
        own = versions.get(program.id, [])
        if not own:
            continue
        published = next((v for v in reversed(own) if v.status == "published"), None)
        rows.append(ProgramRow(program, own[-1], published, counts.get(program.id, 0)))
    return rows, total


def get_program(session: Session, code: str) -> Program:
    program = session.scalar(select(Program).where(Program.code == code)) \
        if len(code) <= 64 and not has_nul(code) else None
    if program is None:
        raise ServiceError("복지사업을 찾을 수 없습니다.", status=404)
    return program


def latest_version(session: Session, program: Program) -> ProgramVersion:
    version = session.scalar(select(ProgramVersion).where(
        ProgramVersion.program_id == program.id).order_by(ProgramVersion.number.desc()).limit(1))
    if version is None:
        raise ServiceError("복지사업 버전을 찾을 수 없습니다.", status=404)
    return version


def get_version(session: Session, version_id: int) -> ProgramVersion:
    version = session.get(ProgramVersion, version_id) if is_id(version_id) else None
    if version is None:
        raise ServiceError("복지사업 버전을 찾을 수 없습니다.", status=404)
    return version


def history(session: Session, program: Program) -> list[ProgramReview]:
    return list(session.scalars(
        select(ProgramReview).join(ProgramVersion,
                                   ProgramVersion.id == ProgramReview.program_version_id)
        .where(ProgramVersion.program_id == program.id)
        .order_by(ProgramReview.created_at.desc(), ProgramReview.id.desc())))


def review_queue(session: Session) -> list[ProgramVersion]:
    return list(session.scalars(select(ProgramVersion).where(ProgramVersion.status == "review")
                                .order_by(ProgramVersion.submitted_at)))


# --- saving -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Saved:
    program: Program
    version: ProgramVersion
    definition: ProgramDefinition
    similar: list[Similarity]
    created: bool


def similar_to(session: Session, definition: ProgramDefinition) -> list[Similarity]:
    """유사사례 확인: published programs (other than this one) close to ``definition``."""
    others = [item.definition for item in published_programs(session)
              if item.code != definition.code]
    return list(similar_programs(definition, others))


@refuse_conflicts(CONFLICT)
def save_draft(session: Session, user: User, roles: PublicRoles, mapping: Mapping[str, Any],
               *, actor: Actor, code: str | None = None,
               expected_version: int | None = None,
               input_problems: list[tuple[str, str]] | None = None) -> Saved:
    """Create a program, update its draft, or open a new draft version of a published one.

    ``code`` is the program being edited (``None``: a new program); ``expected_version`` is
    the row version of the draft the designer loaded (a stale one gets 409);
    ``input_problems`` are inputs of the studio form that could not be read, reported together
    with the definition's own problems.
    """
    require(roles, "program_designer")
    if has_nul(dict(mapping)):
        raise DefinitionInvalid([("", NUL_MESSAGE)])
    data = dict(mapping)
    created = False
    if code is None:
        program, version = None, None
        data["version"] = 1
    else:
        program = get_program(session, code)
        if program.status == "retired":
            raise ServiceError("폐지된 복지사업은 고칠 수 없습니다.", status=409)
        version = latest_version(session, program)
        if version.status == "review":
            raise ServiceError("검토 중인 버전은 고칠 수 없습니다. 반려된 뒤에 고치세요.",
                               status=409)
        if version.status == "draft":
            if expected_version is not None and expected_version != version.version:
                raise ServiceError(CONFLICT, status=409)
            data["version"] = version.number
        else:
            data["version"] = version.number + 1
        _carry_citations(data, version.definition or {})
    if input_problems:
        try:
            parse_program(data)
        except ProgramError as error:
            raise DefinitionInvalid([*input_problems, *error.problems]) from None
        raise DefinitionInvalid(list(input_problems))
    definition = check_definition(data)
    if program is None:
        if session.scalar(select(Program.id).where(Program.code == definition.code)):
            raise DefinitionInvalid([("code", "이미 있는 사업 코드입니다. 다른 코드를 쓰세요.")])
        program = Program(code=definition.code, name=definition.name, owner=definition.owner,
                          status="draft", created_by_id=user.id)
        session.add(program)
        session.flush()
    elif definition.code != program.code:
        raise DefinitionInvalid([("code", "사업 코드는 바꿀 수 없습니다.")])
    if version is None or version.status != "draft":
        version = ProgramVersion(program_id=program.id, number=definition.version,
                                 status="draft", created_by_id=user.id, definition={})
        session.add(version)
        created = True
    version.definition = to_mapping(definition)
    version.updated_by_id = user.id
    if program.status in ("draft",):
        program.name, program.owner = definition.name, definition.owner
    program.updated_at = utcnow()
    session.flush()
    similar = similar_to(session, definition)
    record_event(session, "program.save", actor, target_type="program_version",
                 target_id=version.id, detail={"code": program.code, "number": version.number,
                                               "similar": [s.code for s in similar]})
    session.commit()
    return Saved(program, version, definition, similar, created)


def upload_definition(session: Session, user: User, roles: PublicRoles, content: bytes, *,
                      actor: Actor) -> Saved:
    """A YAML upload: a new program, or a new draft of the program with the same code."""
    require(roles, "program_designer")
    mapping = parse_upload(content)
    existing = session.scalar(select(Program.code).where(Program.code == mapping.get("code")))
    return save_draft(session, user, roles, mapping, actor=actor, code=existing)


# --- review -------------------------------------------------------------------------------------

def _review(session: Session, version: ProgramVersion, action: str, user: User,
            reason: str | None, actor: Actor) -> None:
    session.add(ProgramReview(program_version_id=version.id, action=action, user_id=user.id,
                              reason=reason))
    record_event(session, f"program.{action}", actor, target_type="program_version",
                 target_id=version.id, detail={"code": version.program.code,
                                               "number": version.number,
                                               **({"reason": reason} if reason else {})})


@refuse_conflicts(CONFLICT)
def submit(session: Session, user: User, roles: PublicRoles, code: str, *, actor: Actor,
           expected_version: int | None = None) -> ProgramVersion:
    """검토 요청: the latest draft goes to review."""
    require(roles, "program_designer")
    program = get_program(session, code)
    version = latest_version(session, program)
    if version.status != "draft":
        raise ServiceError("작성 중인 버전만 검토를 요청할 수 있습니다.", status=409)
    if expected_version is not None and expected_version != version.version:
        raise ServiceError(CONFLICT, status=409)
    check_definition(version.definition)
    version.status = "review"
    version.submitted_at = utcnow()
    version.submitted_by_id = user.id
    version.review_note = None
    if program.status == "draft":
        program.status = "review"
    program.updated_at = utcnow()
    _review(session, version, "submit", user, None, actor)
    session.commit()
    return version


def _under_review(session: Session, version_id: int) -> ProgramVersion:
    version = get_version(session, version_id)
    if version.status != "review":
        raise ServiceError("검토 중인 버전이 아닙니다. 이미 처리되었을 수 있습니다.", status=409)
    return version


@refuse_conflicts(CONFLICT)
def approve(session: Session, user: User, roles: PublicRoles, version_id: int, *,
            actor: Actor) -> ProgramVersion:
    """승인: the version is published; the previous published version is superseded."""
    require(roles, "program_reviewer")
    version = _under_review(session, version_id)
    if version.submitted_by_id == user.id:
        raise ServiceError("자신이 검토를 요청한 버전은 승인할 수 없습니다. 다른 검토자에게 "
                           "맡기세요.", status=403)
    check_definition(version.definition)
    program = version.program
    for older in session.scalars(select(ProgramVersion).where(
            ProgramVersion.program_id == program.id, ProgramVersion.status == "published")):
        older.status = "superseded"
    now = utcnow()
    version.status = "published"
    version.published_at = now
    version.reviewed_at = now
    version.reviewed_by_id = user.id
    definition = definition_of(version)
    program.status = "published"
    program.name, program.owner = definition.name, definition.owner
    program.updated_at = now
    _review(session, version, "approve", user, None, actor)
    session.commit()
    return version


@refuse_conflicts(CONFLICT)
def return_version(session: Session, user: User, roles: PublicRoles, version_id: int,
                   reason: str, *, actor: Actor) -> ProgramVersion:
    """반려: back to draft, with the reason the designer sees."""
    require(roles, "program_reviewer")
    reason = (reason or "").strip()
    if not reason or has_nul(reason):
        raise ServiceError("반려 사유를 입력하세요.", field="reason")
    if len(reason) > 2000:
        raise ServiceError("반려 사유는 2000자까지 쓸 수 있습니다.", field="reason")
    version = _under_review(session, version_id)
    now = utcnow()
    version.status = "draft"
    version.reviewed_at = now
    version.reviewed_by_id = user.id
    version.review_note = reason
    program = version.program
    if program.status == "review":
        program.status = "draft"
    program.updated_at = now
    _review(session, version, "return", user, reason, actor)
    session.commit()
    return version


# --- retirement ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RetireImpact:
    open_applications: int
    applications: int
    simulations: int
    versions: int


def retire_impact(session: Session, program: Program) -> RetireImpact:
    version_ids = select(ProgramVersion.id).where(ProgramVersion.program_id == program.id)

    def count(statement: Any) -> int:
        return session.scalar(statement) or 0

    return RetireImpact(
        open_applications=count(select(func.count(Application.id)).where(
            Application.program_version_id.in_(version_ids),
            Application.status == "investigating")),
        applications=count(select(func.count(Application.id)).where(
            Application.program_version_id.in_(version_ids))),
        simulations=count(select(func.count(SimulationRun.id)).where(
            SimulationRun.program_version_id.in_(version_ids))),
        versions=count(select(func.count(ProgramVersion.id)).where(
            ProgramVersion.program_id == program.id)))


@refuse_conflicts(CONFLICT)
def retire(session: Session, user: User, roles: PublicRoles, code: str, reason: str, *,
           actor: Actor, confirmed: bool) -> RetireImpact:
    """폐지: no new applications; open ones go on to their decision; nothing is deleted."""
    require(roles, "program_designer", "program_reviewer")
    program = get_program(session, code)
    if program.status == "retired":
        raise ServiceError("이미 폐지된 복지사업입니다.", status=409)
    reason = (reason or "").strip()
    if not reason or has_nul(reason):
        raise ServiceError("폐지 사유를 입력하세요.", field="reason")
    if not confirmed:
        raise ServiceError("영향을 확인했다는 확인란을 선택하세요.", field="confirm")
    impact = retire_impact(session, program)
    now = utcnow()
    published = None
    for version in session.scalars(select(ProgramVersion).where(
            ProgramVersion.program_id == program.id,
            ProgramVersion.status.in_(("published", "review", "draft")))):
        if version.status == "published":
            published = version
        version.status = "retired"
    program.status = "retired"
    program.retired_at = now
    program.retired_by_id = user.id
    program.retire_reason = reason[:2000]
    program.updated_at = now
    target = published or latest_version(session, program)
    _review(session, target, "retire", user, reason[:2000], actor)
    session.commit()
    return impact


# --- shipped programs -----------------------------------------------------------------------------

def _carry_citations(data: dict[str, Any], previous: Mapping[str, Any]) -> None:
    """The studio's guided form has no inputs for citations and appeal guidance: a save
    without them keeps the previous version's, less those of parameters or years that are
    gone."""
    if "appeal" not in data and previous.get("appeal"):
        data["appeal"] = previous["appeal"]
    cited = previous.get("citations")
    if "citations" in data or not isinstance(cited, Mapping):
        return
    parameters = data.get("parameters") if isinstance(data.get("parameters"), Mapping) else {}
    names = {name for values in parameters.values() if isinstance(values, Mapping)
             for name in values}
    years = {str(year) for year in parameters}
    kept = {key: value for key, value in cited.items() if key not in ("parameters", "years")}
    kept["parameters"] = {name: text for name, text in (cited.get("parameters") or {}).items()
                          if name in names}
    kept["years"] = {year: text for year, text in (cited.get("years") or {}).items()
                     if str(year) in years}
    data["citations"] = {key: value for key, value in kept.items() if value}


def install_program(session: Session, user: User, definition: ProgramDefinition, *,
                    publish: bool, reviewer: User | None = None) -> ProgramVersion:
    """Store a shipped definition as version 1 (published when ``publish``), for the demo
    and tests; a program whose code exists is left as it is."""
    existing = session.scalar(select(Program).where(Program.code == definition.code))
    if existing is not None:
        return latest_version(session, existing)
    mapping = to_mapping(definition)
    mapping["version"] = 1
    now = utcnow()
    program = Program(code=definition.code, name=definition.name, owner=definition.owner,
                      status="published" if publish else "draft", created_by_id=user.id)
    session.add(program)
    session.flush()
    version = ProgramVersion(program_id=program.id, number=1, definition=mapping,
                             status="published" if publish else "draft",
                             created_by_id=user.id, updated_by_id=user.id)
    if publish:
        version.submitted_at = version.reviewed_at = version.published_at = now
        version.submitted_by_id = user.id
        version.reviewed_by_id = (reviewer or user).id
    session.add(version)
    session.flush()
    if publish:
        session.add(ProgramReview(program_version_id=version.id, action="submit",
                                  user_id=user.id))
        session.add(ProgramReview(program_version_id=version.id, action="approve",
                                  user_id=(reviewer or user).id))
    return version


def definition_yaml(version: ProgramVersion) -> str:
    return yaml.safe_dump(version.definition, allow_unicode=True, sort_keys=False)
