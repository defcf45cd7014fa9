"""Layers one way (issue 21, DESIGN.md section 3): the import contracts in ``.importlinter``
and no import cycle among the kernel's modules.

Each contract runs on its own (``lint-imports --contract ID``) so that a failure names the
contract and prints import-linter's explanation: which module imports which, at what line.
The cycle test builds the same import graph with grimp (import-linter's graph library) and
reports every strongly connected component of ``ieum.*`` modules; imports inside functions
and under ``TYPE_CHECKING`` count, since they only hide a cycle.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PREFIX = "importlinter:contract:"


def contract_ids() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    return [section[len(PREFIX):] for section in parser.sections()
            if section.startswith(PREFIX)]


def test_the_contracts_cover_what_issue_21_asks() -> None:
    assert set(contract_ids()) >= {"kernel-knows-no-library", "store-imports-nothing-above",
                                   "web-does-not-import-store", "kernel-layers",
                                   "no-cycles-between-siblings"}


@pytest.mark.parametrize("contract", contract_ids())
def test_import_contract(contract: str) -> None:
    assert LINT_IMPORTS.exists(), "lint-imports is missing: pip install -e '.[test]'"
    result = subprocess.run(
        [str(LINT_IMPORTS), "--contract", contract, "--no-cache"],  # reads ROOT/.importlinter
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = result.stdout.partition("Broken contracts")[2] or result.stdout
    assert result.returncode == 0, f"import contract {contract!r} is broken:\n{report}" \
                                   f"{result.stderr}"


def import_cycles(package: str = "ieum") -> list[list[str]]:
    """The strongly connected components (more than one module) of the package's imports."""
    graph = grimp.build_graph(package, cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def imported(module: str) -> list[str]:
        return sorted(graph.find_modules_directly_imported_by(module))

    for start in sorted(graph.modules):  # Tarjan's algorithm, without recursion
        if start in index:
            continue
        work = [(start, iter(imported(start)))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(imported(child))))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return sorted(cycles)


def _shortest_loop(graph: grimp.ImportGraph, component: list[str]) -> list[str]:
    """One loop through the component's first module, to show in the failure."""
    first = component[0]
    best: list[str] = []
    for module in sorted(graph.find_modules_directly_imported_by(first)):
        if module not in component:
            continue
        path = graph.find_shortest_chain(importer=module, imported=first) or ()
        if path and (not best or len(path) + 1 < len(best)):
            best = [first, *path]
    return best


def test_no_import_cycles_in_the_kernel() -> None:
    cycles = import_cycles()
    if cycles:
        graph = grimp.build_graph("ieum", cache_dir=None)
        shown = "\n".join(f"- {' -> '.join(_shortest_loop(graph, c))}   ({len(c)} modules: "
                          f"{', '.join(c)})" for c in cycles)
        pytest.fail(f"{len(cycles)} import cycles among the kernel's modules (an import "
                    f"inside a function or under TYPE_CHECKING still counts):\n{shown}")
