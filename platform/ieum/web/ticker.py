"""Timers do not fire by themselves: ``tick`` moves due timers on. Workers (``ieum worker``,
or the one ``ieum serve`` embeds) tick every minute as a job claimed once across servers
(``ieum.services.jobs.periodic``, also what ``ieum tick`` runs); ``tick_app`` fires them
directly (tests, scripts)."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from ieum.services.workflows import tick


def tick_app(app: Flask, now: dt.datetime | None = None) -> int:
    """Fire every timer due by ``now`` (default: the current time) in ``app``'s database."""
    moment = now or dt.datetime.now(dt.UTC)
    with app.app_context(), app.extensions["ieum.database"].session() as session:
        return tick(session, app.extensions["ieum.registry"], app.extensions["ieum.functions"],
                    moment)

