"""The collaboration layer's record feeds (entry-point group ``ieum.feeds``).

- ``occupancy``: an admission or discharge keeps the subject's status and the facility's
  capacity right, and a place that opens is matched to the region's waiting needs;
- ``service_history``: the integrated service history; the units listing it declare which of
  their forms go in (``shared_history``), read when the history is viewed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ieum.definitions.model import UnitFunction
from ieum.services.records.feeds import RecordEvent
from ieum_library.collaboration import needs, occupancy, shared_history


class Occupancy:
    """``feeds: [occupancy]``: admissions and discharges count the facility's residents."""

    @staticmethod
    def after_save(event: RecordEvent) -> None:
        if not occupancy.is_movement(event.record):
            return
        facility = occupancy.after_save(event.session, event.record, event.parameters)
        if event.record.form_id == occupancy.DISCHARGE_FORM:
            needs.match_vacancy(event.session, facility)  # a place may have opened

    @staticmethod
    def after_delete(event: RecordEvent) -> None:
        if not occupancy.is_movement(event.record):
            return
        facility = occupancy.after_delete(event.session, event.record)
        if event.record.form_id == occupancy.ADMISSION_FORM:
            needs.match_vacancy(event.session, facility)


class ServiceHistory:
    """``feeds: [{service_history: {forms: {...}}}]``: the unit's declared forms are entries of
    the integrated history. Nothing is written on save (see ``shared_history``)."""

    @staticmethod
    def check_settings(unit: UnitFunction, settings: Mapping[str, Any],
                       forms: Mapping[str, Any]) -> Iterable[str]:
        return shared_history.settings_problems(unit, settings, forms)
