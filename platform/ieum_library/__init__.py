"""The library that ships with ieum: the Python of its unit functions (feeds, task hooks,
screens, report generators, demo data).

It is a plug-in like any vendor's package: it registers itself only through the kernel's
entry-point groups (``pyproject.toml``, ``docs/EXTENDING.md``), and the kernel
(``platform/ieum/``) names none of its units, forms, processes or report kinds.
"""

from pathlib import Path


def locale_dir() -> Path:
    """The library's catalogues of translations (``locale/<lang>/*.po``; entry point
    ``ieum.translations``)."""
    return Path(__file__).parent / "locale"
