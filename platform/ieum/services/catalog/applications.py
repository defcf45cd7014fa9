"""Applications to published programs (신청대행) and their semi-automatic determination.

A facility worker who may edit subjects files applications on behalf of a person: the common
사회보장급여 신청서 section once, then each program's annex (별지), and the household's
variables. Each application is stored on the program version it was filed on and runs the
program's BPMN. When the 소득인정액 is at or below ``auto_decide_share`` of the threshold the
system decides and records why (자동 결정); otherwise the investigation task goes to the
시·군·구 officials of the facility's region (``region_official``), who see the computation line
by line and decide.

Nothing here names content: the procedure is the program's ``process_id`` (default from the
catalog's settings, ``programs/catalog.json``), started and moved on by the one process runner
(``workflows.start_in``, ``complete_in``, ``cancel_in``); the investigation form is the form
of the procedure's user task (``formJsonSchemaFilename``); who may apply is whoever may
register subjects in the facility's subject registry unit (the manifest's
``subject_registry``).

Every view of an application's personal data is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.access.officials import PublicRoles
from ieum.catalog.definition import (
    ProgramDefinition,
    common_application,
    default_procedure,
    programs_root,
)
from ieum.catalog.eligibility import likely_programs
from ieum.catalog.evaluate import Determination, EvaluationError, evaluate_household
from ieum.catalog.income import TIER_LABELS, TIERS
from ieum.catalog.variables import INPUT_VARIABLES, VARIABLE_INFO, Variable
from ieum.definitions import Registry
from ieum.definitions.frozen import freeze
from ieum.definitions.model import FormDef
from ieum.forms import engine
from ieum.services import ServiceError, is_id
from ieum.services import catalog as programs
from ieum.services import workflows as flows
from ieum.services.catalog import decisions
from ieum.services.conflicts import refuse_conflicts
from ieum.services.records import sensitive
from ieum.services.workspace import Workspace
from ieum.store.models import Facility, ProcessInstance, Subject, Task, User, utcnow
from ieum.store.models_catalog import Application, Program, ProgramVersion

CATALOG_UNIT = "catalog"  # process_instance.unit_function of application processes
#: The public role that investigates and decides (access.officials); its tasks are the
#: procedure's user tasks in this role (``investigator_role`` in the process data).
INVESTIGATOR_ROLE = "region_official"
STATUS_TITLES = {"investigating": "조사 중", "decided": "결정", "withdrawn": "취하"}
DECISION_TITLES = {"eligible": "적합", "ineligible": "부적합"}
CONFLICT = "다른 사용자가 먼저 이 신청을 처리했습니다. 화면을 새로 고치세요."
PAGE_SIZE = 50


class ApplicationInvalid(ServiceError):
    """Field-mapped problems of an application (``errors``: path -> Korean messages)."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("신청서에 고칠 곳이 있습니다.", status=400)
        self.errors = dict(errors)


# --- who may apply --------------------------------------------------------------------------

def may_apply(ws: Workspace) -> bool:
    """신청대행: whoever may register or edit the facility's subjects (in a unit whose manifest
    declares ``subject_registry``)."""
    return ws.facility is not None and any(
        ws.permissions.can(unit_id, "create") or ws.permissions.can(unit_id, "update")
        for unit_id in ws.subject_units)


def may_view(ws: Workspace) -> bool:
    return ws.facility is not None and (may_apply(ws) or ws.permissions.administers)


def _require_apply(ws: Workspace) -> None:
    if not may_apply(ws):
        raise ServiceError("복지사업 신청을 대행할 권한이 없습니다.", status=403)


# --- the forms: common section, household variables, annexes ---------------------------------

def _form(form_id: str, title: str, schema: Mapping[str, Any], path: Path) -> FormDef:
    body = dict(schema)
    body.setdefault("title", title)
    body.setdefault("type", "object")
    return FormDef(id=form_id, title=str(body.get("title") or title),
                   version=int(body.get("version") or 1), schema=freeze(body), path=path)


def common_schema_path() -> Path:
    return programs_root() / "common_application.json"


@lru_cache(maxsize=1)
def common_form() -> FormDef:
    """사회보장급여 신청서 공통 항목 (one section shared by every program applied for)."""
    schema = common_application() or {"type": "object", "properties": {}}
    return _form("catalog_common", "사회보장급여 신청서(공통)", schema, common_schema_path())


def _variable_schema(variable: Variable) -> dict[str, Any]:
    title = variable.label if variable.unit in ("", "0/1", "명") \
        else f"{variable.label} ({variable.unit})"
    if variable.name == "region":
        return {"type": "string", "title": variable.label, "oneOf": [
            {"const": tier, "title": TIER_LABELS[tier]} for tier in TIERS]}
    if variable.name == "size":
        return {"type": "integer", "title": title, "minimum": 1, "maximum": 20}
    if variable.unit == "0/1":
        return {"type": "boolean", "title": variable.label}
    return {"type": "integer", "title": title, "minimum": 0, "maximum": 100_000_000_000}


@lru_cache(maxsize=1)
def household_form() -> FormDef:
    """The household variables the programs' criteria read (소득·재산 조사 항목)."""
    properties = {name: _variable_schema(VARIABLE_INFO[name]) for name in INPUT_VARIABLES}
    order = {name: {"order": i + 1} for i, name in enumerate(properties)}
    schema = {"title": "가구 소득·재산", "version": 1, "type": "object",
              "properties": properties, "required": [n for n in ("size", "region")
                                                      if n in properties],
              "x-ui": order}
    return _form("catalog_household", "가구 소득·재산", schema, common_schema_path())


def as_variables(data: Mapping[str, Any]) -> dict[str, Any]:
    """Form data of the household form as expression variables: 0/1 for switches, 0 for
    amounts left empty."""
    values: dict[str, Any] = {}
    for name in INPUT_VARIABLES:
        value = data.get(name)
        if VARIABLE_INFO[name].unit == "0/1":
            values[name] = 1 if value else 0
        elif value is None and name not in ("size", "region"):
            values[name] = 0
        elif value is not None:
            values[name] = value
    return values


_annex_forms: dict[str, FormDef] = {}


def annex_form(version_id: int, definition: ProgramDefinition) -> FormDef | None:
    """The program's annex (별지) as a form, or ``None`` when it has none."""
    schema = definition.annex_form
    if not schema or not (schema.get("properties") or {}):
        return None
    key = json.dumps([version_id, definition.name, schema], sort_keys=True, ensure_ascii=False)
    found = _annex_forms.get(key)
    if found is None:
        found = _form(f"catalog_annex_{version_id}", f"{definition.name} 별지", schema,
                      common_schema_path())
        if len(_annex_forms) > 500:
            _annex_forms.clear()
        _annex_forms[key] = found
    return found


@dataclass(frozen=True)
class Section:
    """One part of the application screen: the common section, the household, an annex.

    ``key`` prefixes its error paths (``common``, ``household``, ``annex.<code>``); ``prefix``
    its HTML input names (annexes only, since two programs' annexes may share a name).
    """

    key: str
    title: str
    form: FormDef
    prefix: str = ""
    code: str = ""


def form_sections(chosen: Sequence[tuple[int, ProgramDefinition]]) -> list[Section]:
    """The sections of an application for ``chosen`` (version id, definition): the common
    section once, the household variables once, then each program's annex."""
    sections = [Section("common", "사회보장급여 신청서 (공통)", common_form()),
                Section("household", "가구 소득·재산 (조사 항목)", household_form())]
    for version_id, definition in chosen:
        form = annex_form(version_id, definition)
        if form is not None:
            sections.append(Section(f"annex.{definition.code}",
                                    f"{definition.name} 별지", form,
                                    f"annex-{definition.code}", definition.code))
    return sections


# --- filing -----------------------------------------------------------------------------------

@dataclass
class Filing:
    """What the worker submitted: the programs, the person, and the three parts."""

    codes: Sequence[str]
    subject_id: int | None = None
    person_name: str = ""
    common: Mapping[str, Any] = field(default_factory=dict)
    annexes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    household: Mapping[str, Any] = field(default_factory=dict)
    #: Inputs the screen could not even read (a word in a number box), by error path.
    input_errors: Mapping[str, list[str]] = field(default_factory=dict)


def _prefixed(errors: Mapping[str, list[str]], prefix: str) -> dict[str, list[str]]:
    return {f"{prefix}.{path}" if path else prefix: list(messages)
            for path, messages in errors.items()}


def _share(value: float) -> str:
    return f"{value * 100:.1f}%"


def _won(value: int | float | None) -> str:
    return "-" if value is None else f"{round(value):,}원"


def determine(definition: ProgramDefinition, household: Mapping[str, Any],
              year: int) -> tuple[Determination, bool, list[str]]:
    """Evaluate one household: (determination, decided automatically?, reasons recorded)."""
    try:
        result = evaluate_household(definition, dict(household), year)
    except EvaluationError as error:
        raise ApplicationInvalid({"household": [error.message]}) from None
    share = float(definition.auto_decide_share)
    limit = result.threshold * share if result.threshold else None
    auto = limit is not None and result.income_recognition <= limit
    reasons = [reason for reason in result.reasons
               if "자동 결정할 수" not in reason and "담당자 조사가 필요" not in reason]
    if auto:
        reasons.insert(0, (
            f"자동 결정: 소득인정액 {_won(result.income_recognition)}이 선정기준액 "
            f"{_won(result.threshold)}의 {_share(share)}({_won(limit)}) 이하입니다."))
    else:
        reasons.insert(0, (
            f"조사 필요: 소득인정액 {_won(result.income_recognition)}이 선정기준액 "
            f"{_won(result.threshold)}의 {_share(share)}({_won(limit)})를 넘어 담당 공무원이 "
            f"조사·결정합니다."))
    return result, auto, reasons


def _lines(result: Determination) -> list[list[Any]]:
    return [[str(label), amount] for label, amount in result.lines]


def _open_versions(session: Session, codes: Sequence[str]) -> list[programs.Published]:
    if not codes:
        raise ApplicationInvalid({"programs": ["신청할 복지사업을 하나 이상 고르세요."]})
    published = {item.code: item for item in programs.published_programs(session)}
    chosen = []
    for code in dict.fromkeys(codes):
        item = published.get(code)
        if item is None:
            status = session.scalar(select(Program.status).where(Program.code == code)) \
                if not _has_nul(code) else None
            if status == "retired":
                raise ServiceError("폐지된 복지사업이라 새로 신청할 수 없습니다.", status=409)
            raise ServiceError("게시된 복지사업을 찾을 수 없습니다.", status=404)
        chosen.append(item)
    return chosen


_has_nul = programs.has_nul


@refuse_conflicts(CONFLICT)
def file_applications(session: Session, rt: flows.Runtime, ws: Workspace,
                      filing: Filing) -> list[Application]:
    """Validate everything, then store one application per program and start its process."""
    _require_apply(ws)
    if _has_nul([filing.person_name, filing.common, filing.household, filing.annexes]):
        raise ServiceError("입력값에 쓸 수 없는 문자(NUL)가 있습니다.")
    chosen = _open_versions(session, filing.codes)
    errors: dict[str, list[str]] = {}
    subject = None
    if filing.subject_id is not None:
        subject = session.scalar(select(Subject).where(
            Subject.id == filing.subject_id, Subject.facility_id == ws.facility.id)) \
            if is_id(filing.subject_id) else None
        if subject is None:
            raise ServiceError("대상자를 찾을 수 없습니다.", field="subject_id", status=404)
    name = (subject.name if subject else (filing.person_name or "").strip())[:100]
    if not name:
        errors["person_name"] = ["대상자를 고르거나 신청인 이름을 입력하세요."]
    common = engine.process(common_form(), filing.common, today=rt.today)
    errors.update(_prefixed(common.errors, "common"))
    household = engine.process(household_form(), filing.household, today=rt.today)
    errors.update(_prefixed(household.errors, "household"))
    annexes: dict[str, dict[str, Any]] = {}
    for item in chosen:
        form = annex_form(item.version_id, item.definition)
        if form is None:
            annexes[item.code] = {}
            continue
        outcome = engine.process(form, filing.annexes.get(item.code) or {}, today=rt.today)
        errors.update(_prefixed(outcome.errors, f"annex.{item.code}"))
        annexes[item.code] = outcome.data
    for path, messages in filing.input_errors.items():
        errors[path] = list(messages)
    if errors:
        raise ApplicationInvalid(errors)
    year = rt.today.year
    variables = as_variables(household.data)
    decided = [(item, *determine(item.definition, variables, year)) for item in chosen]
    bundle = str(uuid.uuid4())
    filed = []
    for item, result, auto, reasons in decided:
        application = Application(
            program_version_id=item.version_id, facility_id=ws.facility.id,
            subject_id=subject.id if subject else None, person_name=name,
            applicant_id=ws.user.id, bundle=bundle, year=year,
            common_data=sensitive.sealed(common_form(), common.data),
            annex_data=annexes[item.code], household=variables,
            status="decided" if auto else "investigating",
            income_recognition=round(result.income_recognition),
            threshold=round(result.threshold) if result.threshold is not None else None,
            benefit=None, reasons=reasons, computation=_lines(result))
        if auto:
            application.decision = "eligible" if result.eligible else "ineligible"
            application.decided_by = "system"
            application.decided_at = utcnow()
            application.benefit = round(result.benefit or 0) if result.eligible else 0
        session.add(application)
        session.flush()
        application.process_instance_id = _start_process(
            session, rt, ws, item.definition, application, auto, result.eligible).id
        record_event(session, "application.create", rt.actor, facility_id=ws.facility.id,
                     target_type="application", target_id=application.id,
                     subject_id=application.subject_id,
                     detail={"program": item.code, "version": item.number,
                             "decided_by": application.decided_by,
                             "decision": application.decision})
        if auto:
            decisions.record_decision(session, application, item.definition, "auto", rt.actor)
        filed.append(application)
    session.commit()
    return filed


def _start_process(session: Session, rt: flows.Runtime, ws: Workspace,
                   definition: ProgramDefinition, application: Application, auto: bool,
                   eligible: bool) -> ProcessInstance:
    """The program's procedure for ``application``, started by the one process runner."""
    process_id = definition.process_id or default_procedure()
    if process_id not in rt.registry.processes:
        raise ServiceError(f"복지사업 절차({process_id or '지정 안 됨'})를 찾을 수 없습니다. "
                           "관리자에게 알리세요.", status=409)
    instance = flows.start_in(
        session, rt, ws.facility.id, CATALOG_UNIT, process_id,
        subject_id=application.subject_id, started_by=ws.user.id, workspace=ws,
        data={"application_id": application.id, "auto_decided": auto,
              "eligible": bool(eligible) if auto else False,
              "investigator_role": INVESTIGATOR_ROLE})
    if instance.status == "error":
        raise ServiceError(f"신청 절차를 시작하지 못했습니다: {instance.error_message}",
                           status=409)
    return instance


# --- reading (facility side) ---------------------------------------------------------

@dataclass(frozen=True)
class ApplicationQuery:
    status: str = ""
    program: str = ""
    text: str = ""
    page: int = 1


def list_applications(session: Session, ws: Workspace,
                      query: ApplicationQuery) -> tuple[list[tuple[Application, Program]], int]:
    """The facility's applications (never another facility's), newest first."""
    if not may_view(ws):
        raise ServiceError("복지사업 신청 목록을 볼 권한이 없습니다.", status=403)
    statement = (select(Application, Program)
                 .join(ProgramVersion, ProgramVersion.id == Application.program_version_id)
                 .join(Program, Program.id == ProgramVersion.program_id)
                 .where(Application.facility_id == ws.facility.id))
    if query.status in STATUS_TITLES:
        statement = statement.where(Application.status == query.status)
    if query.program:
        statement = statement.where(Program.code == query.program)
    text = query.text.replace("\x00", "")
    if text.strip():
        escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_")
        statement = statement.where(Application.person_name.ilike(f"%{escaped}%",
                                                                  escape="\\"))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    page = max(1, query.page)
    rows = session.execute(statement.order_by(Application.id.desc())
                           .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return [(a, p) for a, p in rows], total


def get_application(session: Session, ws: Workspace, application_id: int,
                    actor: Actor) -> Application:
    """One application of this facility (404 for another facility's); the view is audited."""
    if not may_view(ws):
        raise ServiceError("복지사업 신청을 볼 권한이 없습니다.", status=403)
    application = session.scalar(select(Application).where(
        Application.id == application_id, Application.facility_id == ws.facility.id)) \
        if is_id(application_id) else None
    if application is None:
        raise ServiceError("신청을 찾을 수 없습니다.", status=404)
    record_event(session, "application.view", actor, facility_id=ws.facility.id,
                 target_type="application", target_id=application.id,
                 subject_id=application.subject_id)
    session.commit()
    return application


@dataclass(frozen=True)
class ProcedureStep:
    title: str
    state: str  # "done", "current", "todo", "skipped"
    note: str = ""


def procedure_steps(session: Session, application: Application) -> list[ProcedureStep]:
    """신청 → 조사 → 결정 → 통지 → 지급, as far as this application went (the investigation is
    skipped when the system decided)."""
    instance = session.get(ProcessInstance, application.process_instance_id) \
        if application.process_instance_id else None
    finished = instance is not None and instance.status == "completed"
    decided = application.status == "decided"
    if application.decided_by == "system":
        investigate = ProcedureStep("조사", "skipped", "자동 결정으로 생략")
    elif decided:
        investigate = ProcedureStep("조사", "done")
    else:
        investigate = ProcedureStep("조사", "current", "시·군·구 담당자 조사 중")
    if not decided:
        pay = ProcedureStep("지급", "todo")
    elif application.decision == "eligible":
        pay = ProcedureStep("지급", "done" if finished else "current", "지급 등록")
    else:
        pay = ProcedureStep("지급", "skipped", "지급 대상 아님")
    return [ProcedureStep("신청", "done"), investigate,
            ProcedureStep("결정", "done" if decided else "todo"),
            ProcedureStep("통지", "done" if decided and finished else "todo"), pay]


def bundle_of(session: Session, application: Application) -> list[Application]:
    """The applications filed together with this one (sharing the common section)."""
    return list(session.scalars(select(Application).where(
        Application.bundle == application.bundle,
        Application.facility_id == application.facility_id).order_by(Application.id)))


# --- investigation (시·군·구 side) ---------------------------------------------------

def _require_investigator(roles: PublicRoles) -> None:
    if not roles.has(INVESTIGATOR_ROLE):
        raise ServiceError("복지사업 신청을 조사할 권한이 없습니다.", status=403)


def investigations(session: Session, roles: PublicRoles, *, status: str = "investigating",
                   limit: int = 200) -> list[tuple[Application, Program, Facility]]:
    """Applications of the facilities in the official's regions, oldest open first."""
    _require_investigator(roles)
    statement = (select(Application, Program, Facility)
                 .join(ProgramVersion, ProgramVersion.id == Application.program_version_id)
                 .join(Program, Program.id == ProgramVersion.program_id)
                 .join(Facility, Facility.id == Application.facility_id))
    if status in STATUS_TITLES:
        statement = statement.where(Application.status == status)
    if not roles.national:
        statement = statement.where(Facility.region_code.in_(sorted(roles.regions) or [""]))
    order = Application.id if status == "investigating" else Application.id.desc()
    return [tuple(row) for row in session.execute(statement.order_by(order).limit(limit))]


def investigation(session: Session, roles: PublicRoles, application_id: int,
                  actor: Actor) -> Application:
    """An application of a covered region, for the investigator (audited); else 404."""
    _require_investigator(roles)
    application = session.get(Application, application_id) if is_id(application_id) else None
    if application is None or not roles.covers_region(application.facility.region_code):
        raise ServiceError("신청을 찾을 수 없습니다.", status=404)
    record_event(session, "application.view", actor, facility_id=application.facility_id,
                 target_type="application", target_id=application.id,
                 subject_id=application.subject_id, detail={"as": INVESTIGATOR_ROLE})
    session.commit()
    return application


def open_task(session: Session, application: Application) -> Task | None:
    """The open task of the application's procedure for the investigator (its user task in
    the investigator's role), or ``None``."""
    if application.process_instance_id is None:
        return None
    return session.scalar(select(Task).where(
        Task.instance_id == application.process_instance_id, Task.state == "ready",
        Task.role == INVESTIGATOR_ROLE).order_by(Task.id).limit(1))


def _decision_form(session: Session, registry: Registry,
                   application: Application) -> FormDef | None:
    """The form of the investigator's open task (the procedure's user task names it with
    ``formJsonSchemaFilename``); else, once none is open, the procedure's user-task form."""
    task = open_task(session, application)
    form_id = task.form_id if task is not None else None
    if form_id is None and application.process_instance_id is not None:
        instance = session.get(ProcessInstance, application.process_instance_id)
        process = registry.processes.get(instance.process_id) if instance else None
        form_id = next(iter(process.forms), None) if process is not None else None
    return registry.forms.get(form_id) if form_id else None


def decision_form(session: Session, registry: Registry, roles: PublicRoles,
                  application_id: int) -> FormDef | None:
    """The investigation (조사·결정) form of an application of a covered region (404 for any
    other); not audited, since it shows no personal data."""
    _require_investigator(roles)
    application = session.get(Application, application_id) if is_id(application_id) else None
    if application is None or not roles.covers_region(application.facility.region_code):
        raise ServiceError("신청을 찾을 수 없습니다.", status=404)
    return _decision_form(session, registry, application)


@refuse_conflicts(CONFLICT)
def decide(session: Session, rt: flows.Runtime, user: User, roles: PublicRoles,
           application_id: int, data: Mapping[str, Any], *,
           expected_version: int | None = None) -> Application:
    """The investigator's decision: completes the investigation task; the process goes on to
    notification and payment."""
    _require_investigator(roles)
    application = session.get(Application, application_id) if is_id(application_id) else None
    if application is None or not roles.covers_region(application.facility.region_code):
        raise ServiceError("신청을 찾을 수 없습니다.", status=404)
    if application.status != "investigating":
        raise ServiceError("이미 결정되었거나 취하된 신청입니다.", status=409)
    if expected_version is not None and expected_version != application.version:
        raise ServiceError(CONFLICT, status=409)
    task = open_task(session, application)
    if task is None:
        raise ServiceError("조사 업무를 찾을 수 없습니다. 이미 처리되었을 수 있습니다.",
                           status=409)
    form = rt.registry.forms.get(task.form_id) if task.form_id else None
    if form is None:
        raise ServiceError("조사·결정 양식을 찾을 수 없습니다.", status=409)
    if _has_nul(data):
        raise ServiceError("입력값에 쓸 수 없는 문자(NUL)가 있습니다.")
    outcome = engine.process(form, data, today=rt.today)
    if outcome.errors:
        raise ApplicationInvalid(outcome.errors)
    eligible = outcome.data["decision"] == "eligible"
    definition = programs.definition_of(application.program_version)
    computed = None
    if eligible and outcome.data.get("benefit") is None:
        result, _auto, _reasons = determine(definition, application.household, application.year)
        computed = round(result.benefit or 0)
    flows.complete_in(session, rt, task, {"decision": outcome.data["decision"],
                                          "eligible": eligible}, completed_by=user.id)
    application.status = "decided"
    application.decision = outcome.data["decision"]
    application.decided_by = "user"
    application.decided_by_id = user.id
    application.decided_at = utcnow()
    application.benefit = (outcome.data.get("benefit") if outcome.data.get("benefit")
                           is not None else computed) if eligible else 0
    application.reasons = [*application.reasons,
                           f"담당자 결정({DECISION_TITLES[application.decision]}): "
                           f"{outcome.data['reason']}"]
    record_event(session, "application.decide", rt.actor, facility_id=application.facility_id,
                 target_type="application", target_id=application.id,
                 subject_id=application.subject_id,
                 detail={"decision": application.decision, "benefit": application.benefit})
    decisions.record_decision(session, application, definition, "manual", rt.actor,
                              reason=outcome.data["reason"], decided_by_id=user.id)
    session.commit()
    return application


@refuse_conflicts(CONFLICT)
def withdraw(session: Session, ws: Workspace, application_id: int, reason: str | None,
             actor: Actor, *, expected_version: int | None = None) -> Application:
    """신청 취하: an application still under investigation is withdrawn with a reason; its
    process and open tasks are cancelled, and nothing of it is deleted."""
    _require_apply(ws)
    application = session.scalar(select(Application).where(
        Application.id == application_id, Application.facility_id == ws.facility.id)) \
        if is_id(application_id) else None
    if application is None:
        raise ServiceError("신청을 찾을 수 없습니다.", status=404)
    if application.status != "investigating":
        raise ServiceError("조사 중인 신청만 취하할 수 있습니다. 이미 결정되었거나 취하된 "
                           "신청입니다.", status=409)
    if expected_version is not None and expected_version != application.version:
        raise ServiceError(CONFLICT, status=409)
    text = (reason or "").strip()
    if _has_nul(text):
        raise ServiceError("입력값에 쓸 수 없는 문자(NUL)가 있습니다.", field="reason")
    if not 2 <= len(text) <= 200:
        raise ServiceError("취하 사유를 2~200자로 입력하세요.", field="reason")
    instance = session.get(ProcessInstance, application.process_instance_id) \
        if application.process_instance_id is not None else None
    if instance is not None:
        flows.cancel_in(session, instance)
    application.status = "withdrawn"
    application.reasons = [*application.reasons, f"신청 취하: {text}"]
    record_event(session, "application.withdraw", actor, facility_id=application.facility_id,
                 target_type="application", target_id=application.id,
                 subject_id=application.subject_id, detail={"reason": text})
    session.commit()
    return application


# --- 복지멤버십: which published programs a household likely qualifies for ------------

@dataclass(frozen=True)
class Likely:
    code: str
    name: str
    version_id: int
    eligible: bool
    benefit: int | None
    reasons: tuple[str, ...]


def likely_for(session: Session, household: Mapping[str, Any], year: int) -> list[Likely]:
    """Every published program the household likely qualifies for, with the reason."""
    outcome = engine.process(household_form(), household, today=dt.date(year, 1, 1))
    if outcome.errors:
        raise ApplicationInvalid(_prefixed(outcome.errors, "household"))
    published = {p.code: p for p in programs.published_programs(session)}
    found = likely_programs(as_variables(outcome.data),
                            [p.definition for p in published.values()], year)
    return [Likely(definition.code, definition.name, published[definition.code].version_id,
                   result.eligible, round(result.benefit or 0), tuple(result.reasons))
            for definition, result in found]
