"""Reports to an outside recipient (시군구보고): the kernel's generic reports engine.

The report kinds are content (``reports:`` in a unit manifest, see
``ieum.definitions.report_kinds``); this package generates a report from the facility's
records (``content``), runs its life on the facility side (``lifecycle``: draft, regenerate,
note, submit), the recipient officials' review (``review``: accept or return), and the
deadline calendar with its reminders (``deadlines``, run by ``ieum tick`` as a ticker).
It names no unit, form, process or report kind: each comes from the manifest declaring the
kinds.
"""

from ieum.services.reports.lifecycle import (
    EDITABLE,
    STALE,
    ReportPage,
    ReportQuery,
    audit_view,
    check_version,
    facility_kinds,
    generate_report,
    get_report,
    head_role,
    kind_of,
    kinds_of,
    kinds_to_create,
    list_reports,
    page_of,
    parse_query,
    people_of,
    regenerate_report,
    require,
    submit_report,
    unit_parameters,
    update_note,
    view_report,
)

__all__ = [
    "EDITABLE",
    "STALE",
    "ReportPage",
    "ReportQuery",
    "audit_view",
    "check_version",
    "facility_kinds",
    "generate_report",
    "get_report",
    "head_role",
    "kind_of",
    "kinds_of",
    "kinds_to_create",
    "list_reports",
    "page_of",
    "parse_query",
    "people_of",
    "regenerate_report",
    "require",
    "submit_report",
    "unit_parameters",
    "update_note",
    "view_report",
]
