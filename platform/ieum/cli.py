"""The ``ieum`` command: content checks, database, users, demo data, the web server."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from ieum import config as settings
from ieum.cli_catalog import decision_group, population_group, simulate_command
from ieum.cli_content import check_command, import_group, list_command, reuse_command
from ieum.cli_i18n import i18n_group
from ieum.definitions import (
    DefinitionErrors,
    Registry,
    default_content_root,
    load_registry,
    package_roots,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """이음 (ieum): forms and workflows for social-service facilities."""


main.add_command(check_command)
main.add_command(list_command)
main.add_command(reuse_command)
main.add_command(population_group)
main.add_command(simulate_command)
main.add_command(import_group)
main.add_command(decision_group)
main.add_command(i18n_group)


def _live_roots() -> list:
    """The default content root, then the content studio's published packages."""
    return [default_content_root(), *package_roots(settings.studio_packages_path())]


def _registry() -> Registry:
    try:
        return load_registry(_live_roots(), plugins=True)
    except DefinitionErrors as errors:
        click.echo(str(errors), err=True)
        raise SystemExit(1) from None


def _database():
    from ieum.store import Database

    return Database(settings.database_url())


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest schema (creates it if empty)."""
    from ieum.store.migrate import upgrade

    url = settings.database_url()
    upgrade(url, revision)
    click.echo(f"데이터베이스를 {revision} 버전으로 올렸습니다: {_safe_url(url)}")
    if revision != "head":
        return
    try:  # the schema is up to date even when the content has errors: say so, go on
        registry = load_registry(_live_roots(), plugins=True)
    except DefinitionErrors:
        click.echo("목록 색인을 건너뜁니다: 내용에 오류가 있습니다. 'ieum check'로 고친 뒤 "
                   "'ieum db index'를 실행하세요.", err=True)
        return
    _sync_indexes(registry)


@db.command("index")
def db_index() -> None:
    """Create/drop the list screens' indexes to follow the forms (PostgreSQL; idempotent)."""
    _sync_indexes(_registry())


def _sync_indexes(registry: Registry) -> None:
    from ieum.services.database import sync_indexes

    database = _database()
    try:
        report = sync_indexes(database.engine, registry)
    finally:
        database.dispose()
    if report.skipped:
        click.echo(f"목록 색인: 건너뜀 ({report.skipped})")
        if report.created or report.dropped or report.kept:  # SQLite's search gram table
            click.echo(f"검색용 글자 표: 항목 {len(report.created)}개 채움, "
                       f"{len(report.dropped)}개 지움, {report.kept}개 그대로")
        return
    click.echo(f"목록 색인: {len(report.created)}개 만듦, {len(report.dropped)}개 지움, "
               f"{report.kept}개 그대로")


@db.command("current")
def db_current() -> None:
    """Print the database's migration revision and whether it is the latest."""
    from ieum.store.migrate import current_revision, head_revision

    database = _database()
    current = current_revision(database.engine)
    database.dispose()
    head = head_revision()
    click.echo(f"current={current} head={head} {'최신' if current == head else '업그레이드 필요'}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.option("--login", required=True, help="아이디")
@click.option("--name", required=True, help="이름")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="비밀번호 (생략하면 물어봅니다)")
@click.option("--facility", "facility_code", help="역할을 줄 기관 코드")
@click.option("--role", "roles", multiple=True, help="기관 유형의 역할 id (여러 번 가능)")
@click.option("--valid-from", type=click.DateTime(["%Y-%m-%d"]), help="권한 시작일 (기본: 오늘)")
@click.option("--valid-to", type=click.DateTime(["%Y-%m-%d"]),
              help="권한 종료일 (기본: 9999-12-31)")
@click.option("--platform-admin", is_flag=True, help="플랫폼 관리자")
@click.option("--public-role", "public_roles", multiple=True,
              help="공공 역할: region_official, program_designer, program_reviewer, "
                   "content_author, content_reviewer")
@click.option("--region", "region_code", help="공공 역할의 시·군·구 코드 (생략하면 전국)")
def user_create(login: str, name: str, password: str, facility_code: str | None,
                roles: tuple[str, ...], valid_from: dt.datetime | None,
                valid_to: dt.datetime | None, platform_admin: bool,
                public_roles: tuple[str, ...], region_code: str | None) -> None:
    """Create a user, optionally with roles in one facility."""
    from sqlalchemy import select

    from ieum.services import ServiceError
    from ieum.services.admin.users import create_user, grant_official_role, grant_role
    from ieum.store.models import OPEN_ENDED, Facility

    if roles and not facility_code:
        raise click.UsageError("--role 에는 --facility 가 필요합니다.")
    registry = _registry()
    database = _database()
    try:
        with database.session() as session:
            account = create_user(session, login=login, name=name, password=password,
                                  platform_admin=platform_admin)
            if facility_code:
                facility = session.scalar(select(Facility).where(Facility.code == facility_code))
                if facility is None:
                    raise ServiceError(f"기관을 찾을 수 없습니다: {facility_code}")
                for role in roles:
                    grant_role(session, registry, user=account, facility=facility, role=role,
                               valid_from=(valid_from or dt.datetime.now()).date(),
                               valid_to=valid_to.date() if valid_to else OPEN_ENDED)
            for role in public_roles:
                grant_official_role(session, user=account, role=role, region_code=region_code,
                                    valid_from=(valid_from or dt.datetime.now()).date(),
                                    valid_to=valid_to.date() if valid_to else OPEN_ENDED)
    except ServiceError as error:
        click.echo(f"오류: {error.message}", err=True)
        raise SystemExit(1) from None
    finally:
        database.dispose()
    click.echo(f"사용자를 만들었습니다: {login}")


@main.command("demo")
@click.option("--json", "as_json", is_flag=True, help="JSON으로 출력")
def demo(as_json: bool) -> None:
    """Create the demo facilities and users (again: only what is missing): every installed
    package's demo data (entry-point group ``ieum.demo``, see ``ieum.services.demo``)."""
    from ieum.access.grants import role_title
    from ieum.services import ServiceError
    from ieum.services.demo import load_demo

    registry = _registry()
    database = _database()
    try:
        with database.session() as session:
            result = load_demo(session, registry, dt.date.today())
    except ServiceError as error:
        click.echo(f"오류: {error.message}", err=True)
        raise SystemExit(1) from None
    finally:
        database.dispose()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo("데모 기관:")
    for facility in result["facilities"]:
        click.echo(f"  {facility['code']:<14} {facility['name']} ({facility['profile']})")
    click.echo("데모 로그인 (아이디 / 비밀번호 / 기관 / 역할):")
    profiles = {f["code"]: registry.profiles.get(f["profile"]) for f in result["facilities"]}

    for account in result["users"]:
        profile = profiles.get(account["facility"])
        titles = ", ".join(role_title(r, profile) for r in account["roles"])
        click.echo(f"  {account['login']:<13} / {account['password']} / "
                   f"{account['facility']:<14} / {titles}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="개발용 디버그 모드")
@click.option("--tick-every", default=60.0, show_default=True, type=float,
              help="타이머·주기 작업을 확인하는 간격(초); 0이면 확인하지 않음")
@click.option("--worker/--no-worker", "embedded", default=None,
              help="이 서버 안에서 작업(모의계산·큰 내려받기·타이머)도 실행합니다 "
                   "(기본: IEUM_REDIS_URL이 없으면 실행, 있으면 'ieum worker'에 맡김)")
def serve(host: str, port: int, debug: bool, tick_every: float, embedded: bool | None) -> None:
    """Serve the web app (refuses to start on content errors or an old database)."""
    app = _web_app()
    click.echo(f"이음: http://{host}:{port}/ (종료: Ctrl+C)")
    if embedded is None:
        embedded = settings.redis_url() is None
    if embedded and not (debug and not _reloaded_child()):
        from ieum.services.jobs import periodic, queue

        runtime = app.extensions["ieum.jobs"]
        queue.consumer(workers=2, embedded=True).start()
        if tick_every > 0:
            periodic.start_ticking(runtime, tick_every)
        click.echo(f"작업 대기열: {queue.describe()} (이 서버 안의 작업자 2개)")
    app.run(host=host, port=port, debug=debug, use_reloader=debug, threaded=True)


def _reloaded_child() -> bool:
    """True in the process the debug reloader runs the app in (the parent only watches)."""
    import os

    return os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def _web_app():  # noqa: ANN202 - a Flask app
    from ieum.web.app import create_app

    try:
        return create_app()
    except DefinitionErrors as errors:
        click.echo(str(errors), err=True)
        raise SystemExit(1) from None
    except RuntimeError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None


@main.command("worker")
@click.option("--workers", default=2, show_default=True, type=int, help="동시에 실행할 작업 수")
@click.option("--tick-every", default=60.0, show_default=True, type=float,
              help="타이머·주기 작업을 확인하는 간격(초); 0이면 확인하지 않음 (여러 작업자가 "
                   "있어도 한 번만 실행됩니다)")
def worker(workers: int, tick_every: float) -> None:
    """Run jobs from the queue (Redis with IEUM_REDIS_URL, else instance/jobs-queue.db) and
    the periodic tick; run one or more per machine beside the app servers."""
    import logging

    from ieum.services.jobs import periodic, queue

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    app = _web_app()
    runtime = app.extensions["ieum.jobs"]
    if runtime.mode != "queue":
        click.echo("IEUM_JOBS_MODE=immediate에서는 작업자가 필요 없습니다.", err=True)
        raise SystemExit(1)
    from ieum.services.jobs import fail_orphans, requeue_waiting

    if tick_every > 0:
        periodic.start_ticking(runtime, tick_every)
    orphans = fail_orphans(runtime)  # killed mid-job on this machine: failed, not "running"
    again = requeue_waiting(runtime)
    click.echo(f"이음 작업자: {queue.describe()}, 작업자 {workers}개, "
               f"타이머 {tick_every:g}초마다, 다시 넣은 대기 작업 {again}건, 중단된 작업 "
               f"{orphans}건 (종료: Ctrl+C)",
               err=True)
    queue.consumer(workers=workers).run()


@main.command("tick")
def tick_command() -> None:
    """Fire the process timers that are due and run the tickers, as the minute's tick (claimed
    like the workers' own: if a worker already ticked this minute, nothing runs twice)."""
    from ieum.services.jobs import periodic

    app = _web_app()
    job = periodic.tick(app.extensions["ieum.jobs"])
    if job is None:
        click.echo("이번 분의 타이머는 이미 다른 작업자가 처리했습니다.")
        return
    click.echo(f"타이머: {(job.result or {}).get('moved', 0)}건의 업무가 진행되었습니다.")


@main.group()
def audit() -> None:
    """The audit log: integrity check and retention."""


def _audit_database(url: str | None):
    from ieum.store import Database

    return Database(settings.normalise_database_url(url) if url else settings.database_url())


_DATABASE_URL_OPTION = click.option(
    "--database-url", "database_url", metavar="URL",
    help="대상 데이터베이스 (기본: IEUM_DATABASE_URL 또는 instance/ieum.db)")


@audit.command("verify")
@_DATABASE_URL_OPTION
def audit_verify(database_url: str | None) -> None:
    """Check the hash chain of the whole audit table; exit 1 on any break."""
    from sqlalchemy.exc import DBAPIError

    from ieum.access.audit import check_chain

    database = _audit_database(database_url)
    try:
        with database.session() as session:
            result = check_chain(session)
    except DBAPIError as error:
        click.echo(f"감사 기록을 읽을 수 없습니다 ({_safe_url(database.url)}): "
                   f"{str(error.orig).splitlines()[0]}", err=True)
        click.echo("스키마가 없다면 먼저 'ieum db upgrade'를 실행하세요.", err=True)
        raise SystemExit(1) from None
    finally:
        database.dispose()
    if result.intact:
        click.echo(f"감사 기록 {result.count}건: 변조 없음")
        return
    for problem in result.problems:
        click.echo(problem)
    click.echo(f"감사 기록 {result.count}건: 문제 {len(result.problems)}건", err=True)
    raise SystemExit(1)


@main.command("encrypt-files")
@_DATABASE_URL_OPTION
def encrypt_files(database_url: str | None) -> None:
    """Encrypt attachments stored before encryption at rest (each is also encrypted on its
    first download; this does them all at once)."""
    from ieum.services.records.attachments import encrypt_stored_files
    from ieum.services.storage import open_file_store

    database = _audit_database(database_url)
    try:
        with database.session() as session:
            store = open_file_store(settings.file_store(), settings.instance_path(), database)
            done = encrypt_stored_files(session, store)
    finally:
        database.dispose()
    click.echo(f"첨부파일 {done}개를 암호화했습니다.")


@main.command("copy-files")
@click.option("--to", "target", required=True, metavar="STORE",
              help="database 또는 s3://버킷/접두어 (IEUM_FILE_STORE와 같은 형식)")
@_DATABASE_URL_OPTION
def copy_files(target: str, database_url: str | None) -> None:
    """Copy every attachment from the local folder (instance/attachments) into another file
    store, sealed as it is; then set IEUM_FILE_STORE to that store."""
    from ieum.services.records.attachments import copy_stored_files
    from ieum.services.storage import open_file_store

    database = _audit_database(database_url)
    try:
        source = open_file_store("local", settings.instance_path(), database)
        with database.session() as session:
            done = copy_stored_files(session, source,
                                     open_file_store(target, settings.instance_path(), database))
    finally:
        database.dispose()
    click.echo(f"첨부파일 {done}개를 {target}에 복사했습니다. 이제 IEUM_FILE_STORE={target}로 "
               "설정하세요.")


@audit.command("checkpoint")
@_DATABASE_URL_OPTION
def audit_checkpoint(database_url: str | None) -> None:
    """Sign the audit chain's current end (run it from cron, e.g. hourly) and keep the newest
    checkpoint in ``audit-anchor.json`` beside the master key, outside the database."""
    from ieum.access.audit import write_anchor, write_checkpoint

    database = _audit_database(database_url)
    try:
        with database.session() as session:
            checkpoint = write_checkpoint(session)
            session.commit()
            if checkpoint is None:
                click.echo("감사 기록이 없어 검증점을 만들지 않았습니다.")
                return
            path = write_anchor(checkpoint)
            click.echo(f"검증점 {checkpoint.id}: 감사 기록 {checkpoint.last_event_id}까지 서명 "
                       f"({path.name})")
    finally:
        database.dispose()


@audit.command("purge")
@click.option("--days", type=int, help="이보다 오래된 기록을 지웁니다 "
              "(기본: IEUM_AUDIT_RETENTION_DAYS 또는 730일)")
@click.option("--force", is_flag=True, help="730일(법정 최소 보관 기간)보다 짧아도 지웁니다")
@_DATABASE_URL_OPTION
def audit_purge(days: int | None, force: bool, database_url: str | None) -> None:
    """Delete audit events older than the retention period, keeping the chain verifiable."""
    from ieum.access.audit import Actor
    from ieum.services import ServiceError
    from ieum.services.admin.audit_log import purge_older_than, retention_days

    database = None
    try:
        keep = days if days is not None else retention_days()
        database = _audit_database(database_url)
        with database.session() as session:
            removed = purge_older_than(session, keep, Actor(), force=force)
    except ServiceError as error:
        click.echo(f"오류: {error.message}", err=True)
        raise SystemExit(1) from None
    finally:
        if database is not None:
            database.dispose()
    click.echo(f"감사 기록 {removed}건을 지웠습니다 ({keep}일보다 오래된 기록).")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
