"""The claims API: every chapter ends with a report of claims that can fail.

A claim is a sentence in our words, the values measured, the criterion fixed from the paper
before running, and the verdict. :meth:`Claims.report` prints the report in the cell tagged
``nbval-check-output``; nbval compares it with the committed output, and
:func:`parse_report` reads it back for the status page. Print values at a precision the
experiment supports, so the report is identical from run to run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

REPRODUCED = "REPRODUCED"
NOT_REPRODUCED = "NOT REPRODUCED"
_LINE = re.compile(r"^\[(\d+)\] (REPRODUCED|NOT REPRODUCED) {2,}(.+)$")


def below(value: float, floor: float) -> str:
    """Print a round-off-sized error stably: ``"< floor"`` when below it, else the value to 2 digits."""
    return f"< {floor:.0e}" if value < floor else f"{value:.1e}"


@dataclass
class Claim:
    """One checked claim."""

    statement: str
    measured: dict
    criterion: str
    passed: bool
    note: str = ""

    @property
    def verdict(self) -> str:
        return REPRODUCED if self.passed else NOT_REPRODUCED


def format_value(value, fmt: str = "{:.3g}") -> str:
    """Format a measured value: floats with ``fmt``, sequences element-wise, others as str."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v, fmt) for v in value) + "]"
    try:
        return fmt.format(float(value))
    except (TypeError, ValueError):
        return str(value)


@dataclass
class Claims:
    """Collects a chapter's claims and prints the verdict report."""

    claims: list[Claim] = field(default_factory=list)

    def add(self, statement: str, *, measured: dict, criterion: str, passed, fmt: str = "{:.3g}",
            note: str = "") -> Claim:
        """Record a claim. ``passed`` must come from comparing measured values with the criterion."""
        if not measured:
            raise ValueError("a claim needs at least one measured value")
        shown = {k: format_value(v, fmt) for k, v in measured.items()}
        claim = Claim(statement, shown, criterion, bool(passed), note)
        self.claims.append(claim)
        return claim

    @property
    def n_reproduced(self) -> int:
        return sum(c.passed for c in self.claims)

    def text(self) -> str:
        """The verdict report as text (what :meth:`report` prints)."""
        if not self.claims:
            raise ValueError("no claims were checked")
        lines = []
        for i, c in enumerate(self.claims, 1):
            lines.append(f"[{i}] {c.verdict:<14}  {c.statement}")
            lines.append("    measured : " + ", ".join(f"{k} = {v}" for k, v in c.measured.items()))
            lines.append(f"    criterion: {c.criterion}")
            if c.note:
                lines.append(f"    note     : {c.note}")
        lines.append(f"Summary: {self.n_reproduced} of {len(self.claims)} claims reproduced")
        return "\n".join(lines)

    def report(self) -> None:
        """Print the verdict report: the last line of a chapter's ``nbval-check-output`` cell."""
        print(self.text())


def parse_report(text: str) -> list[tuple[str, str]]:
    """Read a printed report back as ``[(verdict, statement), ...]``."""
    found = []
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            found.append((m.group(2), m.group(3).strip()))
    return found
