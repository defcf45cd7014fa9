"""The collaboration layer's screens (``ieum.screens``), its part of the subject page
(``ieum.task_panels``) and of the dashboard (``ieum.dashboard_cards``)."""

from pathlib import Path

#: The templates of the collaboration screens (``collab/...``), for the blueprints.
TEMPLATES = str(Path(__file__).resolve().parent.parent / "templates")
