"""Deprecated alias of :mod:`ieum.services.reports.review`, kept only so that the demo data
(``services/demo_reports.py``, moving to the library's demo package) runs until it imports
the new place; remove it then."""

from ieum.services.reports.review import *  # noqa: F403
from ieum.services.reports.review import decide  # noqa: F401 - what the demo uses
