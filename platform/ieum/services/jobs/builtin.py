"""The kernel's kinds of job: a catalog simulation, an Excel export above the size limit, a
report's generation, and the timer tick. Each rebuilds what the screen had (the owner's
workspace or roles) from the job's parameters, so a worker on another machine runs it with the
same grants, and gives back a small result: a link (``endpoint`` + ``args``) or a file kept in
the installation's file store (``file``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ieum.access import files_at_rest
from ieum.access.audit import Actor
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services.jobs.core import JobContext
from ieum.services.jobs.periodic import TICK, run_tick
from ieum.store.models import User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _owner(session, context: JobContext) -> User:  # noqa: ANN001
    user = session.get(User, context.owner_id) if context.owner_id else None
    if user is None or not user.is_active:
        raise ServiceError(_("작업을 맡긴 사용자를 찾을 수 없습니다."), status=403)
    return user


def _actor(user: User) -> Actor:
    return Actor(user.id, user.login, None)


def simulate(context: JobContext) -> Mapping[str, Any]:
    """A program's latest version over the synthetic population (the studio's 모의계산)."""
    from ieum.services import catalog as programs  # noqa: PLC0415
    from ieum.services.catalog import simulation  # noqa: PLC0415

    runtime, params = context.runtime, context.params
    with context.session() as session:
        user = _owner(session, context)
        roles = programs.roles_of(session, user, runtime.today())
        item = programs.get_program(session, str(params.get("program", "")))
        version = programs.latest_version(session, item)
        run = simulation.run_simulation(
            session, user, roles, version, actor=_actor(user),
            households=int(params.get("households") or 100_000),
            folder=runtime.instance_path, year=params.get("year"), progress=context.progress)
        return {"endpoint": "studio.run", "args": {"run_id": run.id},
                "label": "모의계산 결과 보기",
                "eligible": run.aggregates.get("eligible_households")}


def export_records(context: JobContext) -> Mapping[str, Any]:
    """The Excel export of a list (all pages), kept in the file store for its owner."""
    from ieum.services import records  # noqa: PLC0415
    from ieum.services.records import io as record_io  # noqa: PLC0415
    from ieum.services.workspace import open_workspace  # noqa: PLC0415

    runtime, params = context.runtime, context.params
    total = max(1, int(params.get("rows") or 1))
    with context.session() as session:
        user = _owner(session, context)
        workspace = open_workspace(session, runtime.registry, user, params["facility"],
                                   runtime.today())
        scope = records.open_form(runtime.registry, workspace, params["unit"], params["form"],
                                  runtime.today(), _actor(user))
        context.progress(2, f"{total:,}건을 내보내는 중입니다.")
        content = record_io.export_list(
            session, scope, params.get("filters") or {}, reason=params.get("reason"),
            progress=lambda rows: context.progress(
                min(95, 2 + 93 * rows / total), f"{rows:,} / {total:,}건을 썼습니다."))
        data = content.getvalue()
        name = f"{scope.form.title}_{runtime.today():%Y%m%d}.xlsx"
    key = f"jobs/{context.job_id}/{uuid.uuid4().hex}"
    context.progress(97, "파일을 저장하는 중입니다.")
    runtime.files.put(key, files_at_rest.seal(
        key, (data[i:i + files_at_rest.CHUNK] for i in range(0, len(data), files_at_rest.CHUNK))))
    return {"file": key, "filename": name, "content_type": XLSX, "size": len(data),
            "label": "엑셀 파일 내려받기"}


def generate_report(context: JobContext) -> Mapping[str, Any]:
    """A report's snapshot from the facility's records (보고서 만들기)."""
    from ieum.services.reports import lifecycle  # noqa: PLC0415
    from ieum.services.workspace import open_workspace  # noqa: PLC0415

    runtime, params = context.runtime, context.params
    with context.session() as session:
        user = _owner(session, context)
        workspace = open_workspace(session, runtime.registry, user, params["facility"],
                                   runtime.today())
        context.progress(10, "기록을 모으는 중입니다.")
        report = lifecycle.generate_report(session, runtime.registry, workspace,
                                           str(params.get("kind", "")), params.get("period"),
                                           runtime.today(), _actor(user))
        return {"endpoint": "reports.detail",
                "args": {"facility_code": params["facility"], "report_id": report.id},
                "label": "보고서 보기"}


def tick(context: JobContext) -> Mapping[str, Any]:
    return run_tick(context)


KINDS = {"catalog.simulate": simulate, "records.export": export_records,
         "reports.generate": generate_report, TICK: tick}
