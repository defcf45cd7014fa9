"""The ``vendor_site`` and ``home_visit_site`` fixtures: the example vendor packages, each
installed into a temporary folder of its own.

Use them as a pytest plugin (``pytest_plugins = ["tests.vendor_fixture"]``). A package is
copied out first, so building it never writes into the source tree, then installed with pip
(``--no-deps --no-build-isolation --target``) once per session. Put the returned folder on
``sys.path`` (in-process) or ``PYTHONPATH`` (subprocess):

- ``tests/vendor_example`` (``vendor_site``): content only; its entry point in group
  ``ieum.content`` makes ``vendor_visit_log`` a plug-in unit function;
- ``tests/vendor_home_visit`` (``home_visit_site``): a complete feature, 방문상담, using
  every kind of extension point (content, a service function, a feed, a report generator, a
  screen); see ``tests/test_vendor_feature.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

VENDOR_SOURCE = Path(__file__).resolve().parent / "vendor_example"
VENDOR_PLUGIN = "vendor_example"
VENDOR_UNIT = "vendor_visit_log"
HOME_VISIT_SOURCE = Path(__file__).resolve().parent / "vendor_home_visit"
HOME_VISIT_PLUGIN = "vendor_home_visit"


def install_vendor_example(workdir: Path) -> Path:
    """Install the example vendor package under ``workdir``; return the target folder."""
    return install_package(VENDOR_SOURCE, workdir)


def install_package(package: Path, workdir: Path) -> Path:
    """Install the package whose source is ``package`` under ``workdir``; return the target
    folder (``workdir/site``)."""
    source = workdir / "source"
    target = workdir / "site"
    shutil.copytree(package, source,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--no-input", "--quiet", "--target", str(target),
         str(source)],
        capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"installing {package.name} failed:\n{result.stdout}\n"
                           f"{result.stderr}")
    return target


@pytest.fixture(scope="session")
def vendor_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the installed ``ieum-vendor-example`` distribution (once per session)."""
    return install_vendor_example(tmp_path_factory.mktemp("vendor"))


@pytest.fixture(scope="session")
def home_visit_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the installed ``ieum-vendor-home-visit`` distribution (once per
    session)."""
    return install_package(HOME_VISIT_SOURCE, tmp_path_factory.mktemp("home_visit"))
