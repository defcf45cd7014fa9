"""Timers do not fire by themselves: ``tick`` moves due timers on; the dev server ticks in a
background thread, production runs ``ieum tick`` from cron."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from flask import Flask

from ieum.services.workflows import tick

log = logging.getLogger(__name__)


def tick_app(app: Flask, now: dt.datetime | None = None) -> int:
    """Fire every timer due by ``now`` (default: the current time) in ``app``'s database."""
    moment = now or dt.datetime.now(dt.UTC)
    with app.app_context(), app.extensions["ieum.database"].session() as session:
        return tick(session, app.extensions["ieum.registry"], app.extensions["ieum.functions"],
                    moment)


def start_ticker(app: Flask, interval: float = 60.0) -> threading.Event:
    """Tick every ``interval`` seconds until the returned event is set."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                moved = tick_app(app)
                if moved:
                    log.info("timers: %d process(es) moved on", moved)
            except Exception:  # keep ticking; the next round may succeed
                log.exception("timer tick failed")

    threading.Thread(target=loop, name="ieum-ticker", daemon=True).start()
    return stop
