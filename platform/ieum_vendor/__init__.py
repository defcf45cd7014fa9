"""Third-party browser assets, served as they were released (``/vendor/<lib>/...``).

They are kept apart from the engine (``platform/ieum``): minified bundles are not our code, and
the kernel's checks (no shipped content named in the kernel, duplicates, lint) read only ours.
Each library keeps its licence beside it."""

from pathlib import Path

from flask import Blueprint

STATIC = Path(__file__).resolve().parent / "static"

bp = Blueprint("vendor", __name__, static_folder=str(STATIC), static_url_path="/vendor")
