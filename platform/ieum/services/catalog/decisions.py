"""Decision records (결정 기록): the trace of every decision on an application, kept compact and
tamper-evident, replayed on demand, explained with counterfactuals and a notice (결정 통지서).

Each automatic decision (at filing) and each manual decision (the investigator's) stores one
:class:`~ieum.store.models_decisions.DecisionRecord`: the trace of the evaluation
(:mod:`ieum.catalog.trace`) plus the decision itself, as canonical JSON compressed with zlib.
The SHA-256 of that JSON goes into the ``decision.record`` audit row, whose hash chain (and the
signed checkpoints, ``ieum.access.audit``) makes a rewritten trace evident:
:func:`verify_record`.

Access is checked by the callers' own lookups (``applications.get_application`` for the
facility, ``applications.investigation`` for the 시·군·구 official), which also audit the view.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, event_hash, record_event
from ieum.catalog.counterfactual import Counterfactual, counterfactuals
from ieum.catalog.definition import ProgramDefinition, catalog_appeal
from ieum.catalog.evaluate import EvaluationError
from ieum.catalog.trace import Replay, build_trace, canonical, replay, trace_tree
from ieum.services import ServiceError
from ieum.services import catalog as programs
from ieum.store.models import AuditEvent, utcnow
from ieum.store.models_catalog import Application, Program, ProgramVersion
from ieum.store.models_decisions import DecisionRecord

__all__ = [
    "KIND_TITLES", "RECORD_ACTION", "Notice", "TodayReplay", "build_trace", "counterfactuals",
    "deadline", "export", "latest_record", "load_trace", "notice", "proof", "record_decision",
    "records_of", "replay_audited", "replay_record", "replay_today", "shown_tree",
    "shown_value", "verify_record",
]
RECORD_ACTION = "decision.record"
KIND_TITLES = {"auto": "자동 결정", "manual": "담당자 결정"}


def _pack(trace: Mapping[str, Any]) -> tuple[bytes, int, str]:
    text = canonical(trace)
    return zlib.compress(text, 9), len(text), hashlib.sha256(text).hexdigest()


def load_trace(record: DecisionRecord) -> dict[str, Any]:
    """The stored trace of ``record`` (decompressed)."""
    return json.loads(zlib.decompress(record.trace).decode("utf-8"))


def record_decision(session: Session, application: Application,
                    definition: ProgramDefinition, kind: str, actor: Actor, *,
                    reason: str = "", decided_by_id: int | None = None) -> DecisionRecord:
    """Store the trace of the decision just taken on ``application`` (in the caller's
    transaction) and write its hash into the audit chain."""
    if kind not in KIND_TITLES:
        raise ValueError(f"unknown decision kind {kind!r}")
    try:
        trace = build_trace(definition, application.household, application.year)
    except EvaluationError as error:
        raise ServiceError(f"결정 기록을 만들 수 없습니다: {error.message}", status=409) \
            from None
    trace["decision"] = {
        "kind": kind, "decision": application.decision, "benefit": application.benefit,
        "reason": reason, "application": application.id,
        "program_version_id": application.program_version_id,
        "decided_at": (application.decided_at or utcnow()).astimezone(dt.UTC).isoformat(),
        "decided_by": actor.login if kind == "manual" else "system",
    }
    packed, size, digest = _pack(trace)
    record = DecisionRecord(
        application_id=application.id, program_version_id=application.program_version_id,
        kind=kind, year=application.year, computed_eligible=bool(trace["outcome"]["eligible"]),
        decision=application.decision, benefit=application.benefit, trace=packed,
        trace_size=size, trace_sha256=digest, decided_by_id=decided_by_id)
    session.add(record)
    session.flush()
    event = record_event(session, RECORD_ACTION, actor, facility_id=application.facility_id,
                         target_type="decision_record", target_id=record.id,
                         subject_id=application.subject_id,
                         detail={"application": application.id, "kind": kind,
                                 "decision": application.decision, "sha256": digest})
    record.audit_event_id = event.id
    return record


def records_of(session: Session, application: Application) -> list[DecisionRecord]:
    return list(session.scalars(select(DecisionRecord).where(
        DecisionRecord.application_id == application.id).order_by(DecisionRecord.id)))


def latest_record(session: Session, application: Application) -> DecisionRecord | None:
    found = records_of(session, application)
    return found[-1] if found else None


def verify_record(session: Session, record: DecisionRecord) -> list[str]:
    """Every sign that the record was changed after it was written (Korean); empty when the
    trace still hashes to what its audit row (itself in the hash chain) recorded."""
    problems: list[str] = []
    try:
        text = zlib.decompress(record.trace)
    except zlib.error:
        return ["결정 기록을 읽을 수 없습니다 (손상)"]
    digest = hashlib.sha256(text).hexdigest()
    if digest != record.trace_sha256:
        problems.append("결정 기록의 내용이 저장된 해시와 다릅니다 (변조 의심)")
    event = session.get(AuditEvent, record.audit_event_id) if record.audit_event_id else None
    if event is None:
        problems.append("결정 기록의 감사 기록이 없습니다 (삭제되었거나 보관 기간이 지남)")
        return problems
    if event.action != RECORD_ACTION or event.target_id != str(record.id):
        problems.append("감사 기록이 이 결정 기록을 가리키지 않습니다 (변조 의심)")
    if (event.detail or {}).get("sha256") != digest:
        problems.append("결정 기록의 해시가 감사 기록에 적힌 해시와 다릅니다 (변조 의심)")
    if event_hash(event) != event.hash:
        problems.append("감사 기록의 내용이 해시 체인과 다릅니다 (변조 의심)")
    return problems


# --- replay -----------------------------------------------------------------------------------

def _definition_for(session: Session, version_id: int) -> ProgramDefinition:
    version = session.get(ProgramVersion, version_id)
    if version is None:
        raise ServiceError("결정 당시의 사업 버전을 찾을 수 없습니다.", status=404)
    return programs.definition_of(version)


def replay_record(session: Session, record: DecisionRecord) -> Replay:
    """The record evaluated again from its inputs under the version it was decided on."""
    return replay(load_trace(record), _definition_for(session, record.program_version_id))


@dataclass(frozen=True)
class TodayReplay:
    """The record evaluated under today's rules: the program's version now in force (the
    published one, else the newest) in today's year when it has parameters for it."""

    replay: Replay
    version_number: int
    year: int
    note: str = ""


def replay_today(session: Session, record: DecisionRecord, today: dt.date) -> TodayReplay:
    version = session.get(ProgramVersion, record.program_version_id)
    if version is None:
        raise ServiceError("결정 당시의 사업 버전을 찾을 수 없습니다.", status=404)
    versions = list(session.scalars(select(ProgramVersion).where(
        ProgramVersion.program_id == version.program_id).order_by(ProgramVersion.number)))
    current = next((v for v in reversed(versions) if v.status == "published"), None)
    note = ""
    if current is None:
        current = next((v for v in reversed(versions) if v.status in ("retired", "superseded")),
                       version)
        note = "게시 중인 버전이 없어 마지막으로 쓰인 버전으로 계산했습니다."
    definition = programs.definition_of(current)
    year = today.year
    if year not in definition.parameters:
        year = definition.latest_year
        note = (note + " " if note else "") + \
            f"{today.year}년 매개변수가 없어 {year}년 매개변수로 계산했습니다."
    return TodayReplay(replay(load_trace(record), definition, year), current.number, year, note)


def replay_audited(session: Session, record: DecisionRecord, today: dt.date,
                   actor: Actor) -> tuple[Replay, TodayReplay]:
    """Both replays for the screen's button; the replay (which reads the household's figures)
    is audited with its result."""
    exact = replay_record(session, record)
    now = replay_today(session, record, today)
    application = record.application
    record_event(session, "decision.replay", actor, facility_id=application.facility_id,
                 target_type="decision_record", target_id=record.id,
                 subject_id=application.subject_id,
                 detail={"identical": exact.identical, "today_identical": now.replay.identical})
    session.commit()
    return exact, now


def proof(session: Session, record: DecisionRecord, today: dt.date,
          actor: Actor | None = None) -> dict[str, Any]:
    """What ``ieum decision replay`` prints as JSON: integrity, exact replay and today's
    (audited when an ``actor`` is given)."""
    if actor is not None:
        exact, now = replay_audited(session, record, today, actor)
    else:
        exact, now = replay_record(session, record), replay_today(session, record, today)
    return {"record": record.id, "application": record.application_id,
            "integrity": verify_record(session, record), "replay": exact.to_json(),
            "today": {**now.replay.to_json(), "version": now.version_number, "year": now.year,
                      "note": now.note}}


# --- the notice (결정 통지서) ------------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    """Everything a 결정 통지서 says."""

    application: Application
    program: Program
    definition: ProgramDefinition
    record: DecisionRecord | None
    trace: Mapping[str, Any] | None
    eligible: bool
    benefit: int | None
    reasons: list[str]
    basis: list[tuple[str, str]]
    changes: list[Counterfactual]
    appeal: Mapping[str, Any]
    decided_on: dt.date | None
    manual_reason: str = ""
    explanations: list[str] = field(default_factory=list)


def appeal_of(definition: ProgramDefinition) -> dict[str, Any]:
    """The 이의신청 guidance: the program's own, else the catalog's default, else a general
    sentence that says only what holds for every administrative decision."""
    found = dict(definition.appeal) or catalog_appeal()
    if found:
        return found
    return {"within_days": 90, "to": "결정을 한 기관",
            "basis": "행정심판법 제27조 (처분이 있음을 알게 된 날부터 90일 이내)",
            "how": "서면", "further": "사업별 이의신청 절차는 결정한 기관에 확인하세요."}


def notice(session: Session, application: Application) -> Notice:
    """The notice of a decided application (409 while it is not decided)."""
    if application.status != "decided" or application.decision is None:
        raise ServiceError("결정된 신청만 결정 통지서를 볼 수 있습니다.", status=409)
    version = application.program_version
    definition = programs.definition_of(version)
    record = latest_record(session, application)
    trace = load_trace(record) if record is not None else None
    eligible = application.decision == "eligible"
    changes: list[Counterfactual] = []
    manual_reason = ""
    explanations: list[str] = []
    computed = trace["outcome"]["eligible"] if trace else None
    if trace is not None and trace.get("decision", {}).get("kind") == "manual":
        manual_reason = trace["decision"].get("reason") or ""
    if not eligible and computed is False:
        # what the applicant's own figures could change (a household size is not a choice)
        changes = [change for change in counterfactuals(definition, application.household,
                                                        application.year)
                   if change.variable != "size"]
    elif not eligible and computed:
        explanations.append("소득·재산 기준은 충족하지만 담당 공무원의 조사 결과에 따라 "
                            "선정되지 않았습니다 (아래 사유).")
    basis = [("사업의 법적 근거", definition.legal_basis)]
    for step, label in (("criteria", "선정기준"), ("threshold", "선정기준액"),
                        ("benefit", "급여액"), ("income_recognition", "소득인정액")):
        cited = definition.citation(step)
        if cited and (label, cited) not in basis:
            basis.append((label, cited))
    decided = application.decided_at.date() if application.decided_at else None
    return Notice(application, version.program, definition, record, trace, eligible,
                  application.benefit, [r for r in application.reasons], basis, changes,
                  appeal_of(definition), decided, manual_reason, explanations)


def deadline(notice: Notice) -> dt.date | None:
    """The last day to appeal, counted from the decision day (the notice's date)."""
    days = notice.appeal.get("within_days")
    if notice.decided_on is None or not isinstance(days, int):
        return None
    return notice.decided_on + dt.timedelta(days=days)


def tree_of(trace: Mapping[str, Any]) -> dict[str, Any]:
    return trace_tree(trace)


def export(session: Session, record: DecisionRecord, actor: Actor) -> dict[str, Any]:
    """The record as JSON for download (audited: it holds the household's figures)."""
    application = record.application
    record_event(session, "decision.export", actor, facility_id=application.facility_id,
                 target_type="decision_record", target_id=record.id,
                 subject_id=application.subject_id)
    session.commit()
    return {"record": record.id, "application": record.application_id, "kind": record.kind,
            "sha256": record.trace_sha256, "audit_event": record.audit_event_id,
            "created_at": record.created_at.astimezone(dt.UTC).isoformat()
            if record.created_at.tzinfo else record.created_at.isoformat(),
            "trace": load_trace(record)}


# --- display ----------------------------------------------------------------------------------

def shown_value(name: str, value: Any) -> str:
    """A value of the trace as an investigator reads it: won with separators, 예/아니오,
    region names, rates as given."""
    from ieum.catalog.income import TIER_LABELS
    from ieum.catalog.variables import VARIABLE_INFO

    if isinstance(value, bool):
        return "충족" if name == "criteria" and value else "미충족" if name == "criteria" \
            else "예" if value else "아니오"
    if isinstance(value, str):
        return TIER_LABELS.get(value, value)
    if not isinstance(value, int | float):
        return "-" if value is None else str(value)
    if name == "year":
        return f"{value}년"
    info = VARIABLE_INFO.get(name)
    unit = info.unit if info is not None else ""
    if name in ("benefit", "criteria", "threshold") or "원" in unit or name.endswith(
            ("_left", "_counted", "_total", "deduction")):
        text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
        return f"{text}원"
    if unit == "명":
        return f"{value:,}명"
    if isinstance(value, float):
        return f"{value:g}"
    return f"{value:,}"


def shown_tree(trace: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`trace_tree` with each node's value as text (``shown``), and the expression
    trees' leaves labelled, for the template."""
    from ieum.catalog.trace import _leaf_value, label_of

    def expression(node: Mapping[str, Any]) -> dict[str, Any]:
        if "name" in node:
            value = _leaf_value(trace, node["name"])
            return {"label": label_of(node["name"]), "name": node["name"],
                    "shown": shown_value(node["name"], value), "children": []}
        value = node.get("value")
        return {"formula": node["formula"],
                "shown": node.get("error") or shown_value("", value) if not isinstance(
                    value, bool) else ("참" if value else "거짓"),
                "children": [expression(child) for child in node.get("children", [])]}

    def walk(node: dict[str, Any]) -> dict[str, Any]:
        node = dict(node)
        node["shown"] = node["value"] if node.get("kind") == "outcome" else \
            shown_value(node["name"], node["value"])
        if "expression" in node:
            node["expression"] = expression(node["expression"])
        node["children"] = [walk(child) for child in node["children"]]
        return node

    return walk(tree_of(trace))
