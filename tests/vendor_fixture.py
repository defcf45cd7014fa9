"""The ``vendor_site`` fixture: the example vendor package installed into a temporary folder.

Use it as a pytest plugin (``pytest_plugins = ["tests.vendor_fixture"]``). The package in
``tests/vendor_example`` is copied out first, so building it never writes into the source
tree, then installed with pip (``--no-deps --no-build-isolation --target``) once per session.
Put the returned folder on ``sys.path`` (in-process) or ``PYTHONPATH`` (subprocess) and its
entry point in group ``ieum.content`` makes ``vendor_visit_log`` a plug-in unit function.
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

def install_vendor_example(workdir: Path) -> Path:
    """Install the example vendor package under ``workdir``; return the target folder."""
    source = workdir / "source"
    target = workdir / "site"
    shutil.copytree(VENDOR_SOURCE, source,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--no-input", "--quiet", "--target", str(target),
         str(source)],
        capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"installing the vendor example failed:\n{result.stdout}\n"
                           f"{result.stderr}")
    return target


@pytest.fixture(scope="session")
def vendor_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the installed ``ieum-vendor-example`` distribution (once per session)."""
    return install_vendor_example(tmp_path_factory.mktemp("vendor"))
