"""Screens of community care (``ieum.screens``): ``care_region`` for the 시·군·구 officials
(in their menu), ``care_facility`` for the receiving facilities and the invited agencies."""

from pathlib import Path

#: The templates of the community-care screens (``care/...``), for the blueprints.
TEMPLATES = str(Path(__file__).resolve().parent.parent / "templates")
