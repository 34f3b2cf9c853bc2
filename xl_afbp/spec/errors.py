"""Spec problems: a catalogue of stable codes, each message saying where, what and what to do.

Messages have one shape (after pyxform): ``<file>:<line>: <path> [CODE] what is wrong.
What to do.`` so that a spec author finds the spot in an editor and knows the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .model import Location


class Code(Enum):
    SPEC001 = "unknown or missing key"
    SPEC002 = "duplicate identifier"
    SPEC003 = "expression does not parse"
    SPEC004 = "text longer than Excel allows"
    SPEC005 = "list longer than Excel allows"
    SPEC006 = "defined name Excel would refuse"
    SPEC007 = "value outside the vocabulary"
    SPEC008 = "reference does not resolve"
    SPEC009 = "inconsistent numbering or bounds"
    SPEC010 = "file cannot be read"


@dataclass(frozen=True)
class SpecIssue:
    code: Code
    location: Location | None
    problem: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.location} " if self.location else ""
        return f"{where}[{self.code.name}] {self.problem}. {self.fix}"


class SpecError(ValueError):
    """The spec cannot be used; ``issues`` lists every problem found (lint collects all)."""

    def __init__(self, issues: list[SpecIssue]):
        self.issues = issues
        lines = "\n".join(f"  {i}" for i in issues)
        super().__init__(f"{len(issues)} problem(s) in the spec:\n{lines}")
