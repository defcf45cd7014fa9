"""DMN decision tables for business-rule tasks, with cells in the platform expression language.

A business-rule task (``bpmn:businessRuleTask`` with the SpiffWorkflow extension
``spiffworkflow:calledDecisionId``) runs a decision table of a ``*.dmn`` file (DMN 1.1-1.3, as
SpiffWorkflow's DMN support reads it) found under ``workflows/dmn/``, next to the BPMN files in
``workflows/bpmn/`` (where SpiffArena keeps them) or in a unit function's folder
(``unit_functions/<unit>/``) of any content root.

Cells are not FEEL and not Python: they are expressions of the platform language
(``ieum.expressions``), checked when the content loads (``ieum check``), each problem named with
its file, decision and rule row. An input column's expression (``urgent``, ``age``) is read
from the task data; an input cell is

- empty or ``-``: any value;
- an expression using ``?`` for the input value: ``? >= 65 and ? < 80``;
- a comparison missing its left side: ``>= 65``, ``!= "legal"``, ``in ["medical", "legal"]``;
- otherwise a value the input must equal: ``"medical"``, ``True``, ``3``.

An output cell is an expression whose value goes into the task data under the output's
``name``. Hit policies: ``UNIQUE`` and ``FIRST`` (the first matching row wins, in row order),
``COLLECT`` without an aggregation (a list of each output). When no row matches the outputs are
not set; end a table with a row of ``-`` to give a default.

At load each input cell is rewritten into its ``?`` form (the one form SpiffWorkflow's DMN
engine evaluates without guessing at Python syntax), so the engine evaluates it with the
platform's script engine, and a running instance's serialized table is the rewritten one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from ieum.definitions.problems import Problem, display_path, pointer
from ieum.expressions import check_expression

#: The folders of a content root whose ``*.dmn`` files are read (recursively).
DMN_FOLDERS = ("workflows/dmn", "workflows/bpmn", "unit_functions")
#: The name SpiffWorkflow's DMN engine gives the input value when a cell uses ``?``.
INPUT_NAME = "dmninputexpr"
#: A ``?`` outside string quotes (SpiffWorkflow replaces exactly these).
_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")
_OPERATOR = re.compile(r"^\s*(<=|>=|==|!=|<|>|not\s+in\b|in\b)")
HIT_POLICIES = frozenset({"UNIQUE", "FIRST", "COLLECT"})
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def dmn_files(sources: Sequence[Any]) -> list[Path]:
    """The ``*.dmn`` files of the content roots (``ContentSource``s) in ``DMN_FOLDERS``, in
    the order of the roots, then by name; hidden files and folders are left out."""
    found: list[Path] = []
    for source in sources:
        for folder in DMN_FOLDERS:
            directory = Path(source.root) / folder
            if not directory.is_dir():
                continue
            found += [path for path in sorted(directory.rglob("*.dmn"),
                                              key=lambda p: (p.name, p.parts))
                      if path.is_file() and not any(
                          part.startswith(".") for part in path.relative_to(directory).parts)]
    return found


def cell_expression(text: str | None) -> str | None:
    """An input cell in its ``?`` form (``None``: any value)."""
    if text is None or not text.strip() or text.strip() == "-":
        return None
    text = text.strip()
    if _QUESTION.search(text):
        return text
    if _OPERATOR.match(text):
        return f"? {text}"
    return f"? == ({text})"


def checkable(cell: str) -> str:
    """A ``?``-form cell as a plain expression over :data:`INPUT_NAME`."""
    return _QUESTION.sub(INPUT_NAME, cell)


def _rewrite(table: Any) -> None:
    for rule in table.rules:
        for entry in rule.inputEntries:
            entry.lhs = [cell_expression(text) for text in entry.lhs]


class IeumBpmnParser(SpiffBpmnParser):
    """SpiffArena's parser, with decision tables whose cells are platform expressions."""

    def get_engine(self, decision_ref: str, node: Any) -> Any:
        engine = super().get_engine(decision_ref, node)
        _rewrite(engine.decision_table)
        return engine


def add_dmn_files(parser: SpiffBpmnParser, files: Sequence[Path]) -> list[Problem]:
    """Add the decision tables of ``files`` to ``parser``; the problems of each file (XML,
    DMN schema, duplicate decision ids, unsupported tables, cells that are not valid
    expressions). A file with problems adds nothing."""
    problems: list[Problem] = []
    owners: dict[str, Path] = {}
    for path in files:
        found = _add_file(parser, path, owners)
        problems += found
    return problems


def _add_file(parser: SpiffBpmnParser, path: Path, owners: dict[str, Path]) -> list[Problem]:
    try:
        root = etree.fromstring(path.read_bytes(), _XML_PARSER)
    except OSError as error:
        return [Problem(path, "", f"cannot read the file: {error.strerror or error}")]
    except etree.XMLSyntaxError as error:
        return [Problem(path, "", f"invalid XML at line {error.lineno}: {error.msg}")]
    decisions = [el for el in root.iter(etree.Element)
                 if etree.QName(el).localname == "decision" and el.get("id")]
    if not decisions:
        return [Problem(path, "", "no DMN decision in the file")]
    problems = []
    for decision in decisions:
        first = owners.get(decision.get("id"))
        if first is not None or decision.get("id") in parser.dmn_parsers:
            where = f": also defined in {display_path(first)}" if first else ""
            problems.append(Problem(path, pointer(decision.get("id")),
                                    f"duplicate decision id {decision.get('id')!r}{where}"))
    if problems:
        return problems
    if len(decisions) > 1:
        return [Problem(path, "", "one decision per DMN file (SpiffWorkflow reads only the "
                                  "first)")]
    decision_id = decisions[0].get("id")
    problems = _cell_problems(path, decision_id, decisions[0])
    if problems:
        return problems
    try:
        parser.add_dmn_xml(root, filename=str(path))
        dmn_parser = parser.dmn_parsers[decision_id]
        dmn_parser.parse()
    except ValidationException as error:
        parser.dmn_parsers.pop(decision_id, None)
        line = f" (line {error.line_number})" if error.line_number else ""
        return [Problem(path, pointer(decision_id), f"{error.args[0]}{line}")]
    except Exception as error:  # SpiffWorkflow's DMN parser raises others on odd input
        parser.dmn_parsers.pop(decision_id, None)
        return [Problem(path, pointer(decision_id),
                        f"SpiffWorkflow cannot read the decision: {type(error).__name__}: "
                        f"{error}")]
    problems = _table_problems(path, decision_id, dmn_parser.decision)
    if problems:
        parser.dmn_parsers.pop(decision_id, None)
        name = dmn_parser.get_name()
        if parser.dmn_parsers_by_name.get(name) is dmn_parser:
            del parser.dmn_parsers_by_name[name]
    else:
        owners[decision_id] = path
    return problems


def _table_problems(path: Path, decision_id: str, decision: Any) -> list[Problem]:
    where = pointer(decision_id)
    tables = decision.decisionTables
    if len(tables) != 1:
        return [Problem(path, where, f"a decision needs exactly one decision table, "
                                     f"not {len(tables)}")]
    table = tables[0]
    problems: list[Problem] = []
    policy = (table.hit_policy or "UNIQUE").upper()
    if policy not in HIT_POLICIES:
        problems.append(Problem(path, where, f"hit policy {policy!r} is not supported "
                                             f"(use UNIQUE, FIRST or COLLECT)"))
    for index, column in enumerate(table.outputs, start=1):
        if not (column.name or "").isidentifier():
            problems.append(Problem(path, where, f"output {index} "
                                                 f"({column.label or column.id}) needs a name "
                                                 f"that is a data name, not {column.name!r}"))
    return problems


def _local(element: Any, name: str) -> list[Any]:
    return [child for child in element if isinstance(child.tag, str)
            and etree.QName(child).localname == name]


def _cell_problems(path: Path, decision_id: str, decision: Any) -> list[Problem]:
    """Input expressions and cells that are not valid expressions, by column and rule row
    (read from the XML before SpiffWorkflow's parser, which stops at the first bad output
    cell without naming its row)."""
    problems: list[Problem] = []
    where = pointer(decision_id)

    def text_of(element: Any) -> str:
        return "".join(t.text or "" for t in _local(element, "text"))

    for table in _local(decision, "decisionTable"):
        inputs = [column.get("label") or column.get("id") for column in _local(table, "input")]
        for index, column in enumerate(_local(table, "input"), start=1):
            for expression in _local(column, "inputExpression"):
                source = text_of(expression)
                if not source.strip():
                    problems.append(Problem(path, where, f"input {index} ({inputs[index - 1]}) "
                                                         f"has no expression (line "
                                                         f"{expression.sourceline})"))
                problems += [Problem(path, where, f"input {index} ({inputs[index - 1]}) "
                                                  f"expression {source!r}: {message} "
                                                  f"(line {expression.sourceline})")
                             for message in check_expression(source)] if source.strip() else []
        outputs = [column.get("name") or column.get("label") or column.get("id")
                   for column in _local(table, "output")]
        for row, rule in enumerate(_local(table, "rule"), start=1):
            for kind, labels in (("input", inputs), ("output", outputs)):
                for index, entry in enumerate(_local(rule, f"{kind}Entry")):
                    text = text_of(entry)
                    source = text if kind == "output" else cell_expression(text)
                    if not source or not source.strip():
                        continue
                    label = labels[index] if index < len(labels) else f"#{index + 1}"
                    problems += [Problem(path, where,
                                         f"rule {row}, {kind} {label!r} cell {text.strip()!r}: "
                                         f"{message} (line {entry.sourceline})")
                                 for message in check_expression(
                                     checkable(source) if kind == "input" else source)]
    return problems
