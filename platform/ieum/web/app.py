"""The Flask application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Flask
from flask_bootstrap import Bootstrap5
from flask_wtf.csrf import CSRFProtect

import ieum_vendor as vendor_assets
from ieum import config as settings
from ieum.access.grants import ACTION_TITLES
from ieum.definitions import default_content_root, extensions, load_registry
from ieum.definitions.sources import plugin_sources
from ieum.i18n import content_text
from ieum.i18n import gettext as _
from ieum.services import storage
from ieum.services.database import open_database
from ieum.web import (
    admin,
    admin_audit,
    api,
    api_catalog,
    api_compare,
    api_records,
    api_tasks,
    auth,
    calendar,
    cases,
    catalog,
    content_studio,
    errors,
    form_widgets,
    fragments,
    health,
    i18n,
    jobs,
    links,
    notifications,
    openapi,
    platform_admin,
    records,
    region,
    reports,
    security,
    studio,
    studio_compare,
    studio_composer,
    studio_form_builder,
    studio_modeller,
    tasks,
    template_helpers,
    workspace,
)
from ieum.web.context import close_db_session
from ieum.workflow.functions import available as available_functions

csrf = CSRFProtect()
bootstrap = Bootstrap5()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. It refuses to start when the content has errors (``DefinitionErrors``)
    or the database is not migrated to the latest revision (``RuntimeError``)."""
    instance = settings.instance_path()
    app = Flask("ieum.web", instance_path=str(instance), instance_relative_config=True)
    app.url_map.converters["int"] = errors.RowIdConverter  # ids beyond the DB's range: 404
    app.config.update(
        SECRET_KEY=settings.secret_key(instance),
        IEUM_DATABASE_URL=settings.database_url(),
        IEUM_CONTENT_ROOTS=[str(default_content_root())],
        # packages the content studio publishes; each sub-folder is loaded after the roots
        IEUM_STUDIO_PACKAGES=str(settings.studio_packages_path()),
        IEUM_PLUGINS=True,
        IEUM_API_TOKEN_HOURS=12,
        IEUM_LOCKOUT_ATTEMPTS=5,
        IEUM_LOCKOUT_MINUTES=15,
        IEUM_IDLE_MINUTES=60,
        IEUM_TODAY=None,
        IEUM_CATALOG_POPULATION=100_000,  # households of the studio's synthetic population
        IEUM_CATALOG_IDLE_MONTHS=6,  # a published program without applications is flagged
        IEUM_CATALOG_MIN_GROUP=10,  # k: smaller groups are never shown in comparisons
        IEUM_FILE_STORE=settings.file_store(),  # local | database | s3://bucket/prefix
        # "queue" (a worker runs jobs) or "immediate" (in the request: tests)
        IEUM_JOBS_MODE=os.environ.get("IEUM_JOBS_MODE", "queue"),
        IEUM_EXPORT_JOB_ROWS=5000,  # an Excel export of more rows runs as a job
        BOOTSTRAP_SERVE_LOCAL=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        **security.defaults(),  # Secure cookie, HSTS, rate limits (ieum.web.security)
    )
    app.config.update(config or {})
    app.json.ensure_ascii = False

    app.extensions["ieum.registry"] = load_registry(
        content_studio.live_roots(app), plugins=app.config["IEUM_PLUGINS"]
    )
    app.extensions["ieum.functions"] = available_functions(plugins=app.config["IEUM_PLUGINS"])
    app.extensions["ieum.database"] = open_database(
        settings.normalise_database_url(app.config["IEUM_DATABASE_URL"]))
    store = app.config["IEUM_FILE_STORE"]
    app.extensions["ieum.files"] = storage.open_file_store(store, instance,
                                                           app.extensions["ieum.database"])
    problem = storage.shared_key_problem(store)
    if problem:
        app.extensions["ieum.database"].dispose()
        raise RuntimeError(problem)
    jobs.init_app(app)
    content_studio.init_app(app)
    app.teardown_request(records.discard_unsaved_uploads)
    app.teardown_appcontext(close_db_session)

    form_widgets.install()  # WTForms writes attributes without Markup.format (same text)
    csrf.init_app(app)
    bootstrap.init_app(app)
    auth.login_manager.init_app(app)
    for blueprint in (health.bp, auth.bp, workspace.bp, records.bp, records.files_bp, api.bp,
                      api_records.bp, openapi.bp, tasks.bp, api_tasks.bp, cases.bp, admin_audit.bp,
                      admin.bp, platform_admin.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(studio.bp)  # 복지사업 설계 스튜디오 (/studio/)
    app.register_blueprint(studio_compare.bp)  # its comparisons, predicted vs actual
    app.register_blueprint(content_studio.bp)  # 콘텐츠 스튜디오 (/content/)
    app.register_blueprint(studio_form_builder.bp)  # 양식 빌더 (/content/form/<key>/edit)
    app.register_blueprint(catalog.bp)  # 복지사업 신청 (facility menu) and investigations
    app.register_blueprint(api_catalog.bp)
    app.register_blueprint(api_compare.bp)  # comparisons, predicted vs actual (designers)
    csrf.exempt(api_catalog.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(region.bp)
    app.register_blueprint(studio_modeller.bp)  # 업무 절차 모델러 (/content/process/<key>/edit)
    app.register_blueprint(vendor_assets.bp)  # bpmn-js for the modeller (/vendor/...)
    app.register_blueprint(studio_composer.bp)  # 콘텐츠 스튜디오: profile composer, unit editor
    app.register_blueprint(notifications.bp)  # 알림 (/notifications/): the bell, the list, settings
    app.add_template_global(notifications.unread_notifications, "unread_notifications")
    app.register_blueprint(calendar.bp)  # 일정 달력 (/f/<facility>/calendar/)
    app.register_blueprint(jobs.bp)  # 내 작업 (/jobs/): progress, cancel, result
    app.register_blueprint(jobs.api_bp)
    csrf.exempt(jobs.api_bp)
    _register_screens(app)
    csrf.exempt(api.bp)  # bearer tokens only, no cookies: nothing for CSRF to forge
    csrf.exempt(api_records.bp)
    csrf.exempt(api_tasks.bp)
    errors.register(app)
    security.install(app)  # headers (CSP, no-store) and rate limits, in one place
    app.add_template_filter(lambda action: content_text(ACTION_TITLES.get(action, action)),
                           "action_title")
    app.add_template_filter(_display_value, "display_value")
    template_helpers.register(app)
    fragments.register(app)
    links.register(app)  # url_for in templates, remembered
    i18n.init_app(app, _catalogue_roots(app))  # after the helpers: josa by language
    return app


def _catalogue_roots(app: Flask) -> list[str]:
    """The content roots whose ``locale/`` folders hold the content's English, in the order
    the content loads: the configured roots, installed plug-ins' (when plug-ins are loaded),
    then the studio's published packages."""
    configured = list(app.config["IEUM_CONTENT_ROOTS"])
    plugins = [str(source.root) for source in plugin_sources()[0]] \
        if app.config["IEUM_PLUGINS"] else []
    return [*configured, *plugins, *content_studio.live_roots(app)[len(configured):]]


def _register_screens(app: Flask) -> None:
    """Blueprints contributed by packages (``ieum.screens``); a unit's manifest places one in
    the menu with ``page:``. A blueprint with ``csrf_exempt = True`` (a bearer-token JSON API)
    is exempt from CSRF, as the kernel's own API is. A blueprint's ``admin_menu`` ((title,
    endpoint) pairs; an endpoint without a blueprint name is the blueprint's own) adds links
    to the 기관 관리 menu, after the kernel's own; its ``region_menu`` likewise to the menu of
    the 시·군·구 officials (endpoints without arguments)."""
    menus: dict[str, list[tuple[str, str]]] = {"admin_menu": [], "region_menu": []}
    app.jinja_env.globals.update(menus)
    for name, target in extensions.objects(extensions.SCREENS).items():
        blueprint = target if isinstance(target, Blueprint) else target()
        if not isinstance(blueprint, Blueprint):
            raise RuntimeError(f"ieum.screens {name!r} gave {type(blueprint).__name__}, "
                               "not a Flask Blueprint")
        app.register_blueprint(blueprint)
        if getattr(blueprint, "csrf_exempt", False):
            csrf.exempt(blueprint)
        for menu, entries in menus.items():
            entries += [(title, endpoint if "." in endpoint.lstrip(".")
                       else f"{blueprint.name}.{endpoint.lstrip('.')}")
                      for title, endpoint in getattr(blueprint, menu, ())]


def _display_value(value: object) -> str:
    """Parameter values as a person reads them: 예/아니오 for booleans."""
    if isinstance(value, bool):
        return _("예") if value else _("아니오")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)
