"""A problem the studio shows beside the element it concerns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StudioProblem:
    pointer: str  # JSON pointer into the document, or a BPMN element id
    message: str  # Korean, for the author
