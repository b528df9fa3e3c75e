"""The claims API: a chapter declares its claims before running and the report evaluates them.

Three kinds (BOOK.md, "Claims"):

* ``headline``: the paper's central claim, tested at our scale (every chapter has one; where
  this hardware cannot test it, :meth:`Claims.not_testable` records why);
* ``supporting``: a mechanism, ablation or secondary result the paper reports;
* ``sanity``: an identity, theorem, closed form or implementation check. It must hold if the
  code is right, so it is shown but never counted as a reproduction.

A chapter uses it in three places::

    claims = repro.Claims()                       # near the top, before any experiment
    claims.declare("beats_ce", kind="headline", statement="...",
                   metric="accuracy, method - cross-entropy (points)", better="higher", margin=0.0)
    claims.show()                                 # the claim box the reader sees
    ...
    claims.record("beats_ce", method=acc_z, baseline=acc_ce)   # per-run values, paired
    claims.results()                              # effect sizes and intervals, full precision
    claims.report()                               # last cell, tagged nbval-check-output

The verdict is computed here, from the declared criterion: a counted claim passes only when the
95% interval of its per-run values (or of the paired differences ``method - baseline``) lies
entirely on the paper's side of ``margin`` (:meth:`repro.stats.intervals.Interval.clears`).
Fewer than three independent runs are refused unless the claim is declared ``deterministic``
(a closed form, an exact count). A criterion, setting or metric changed after a pilot run is
declared with a :class:`Change`, which the claim box and the report print.

:func:`parse_report` reads a printed report back for the status page and the seed records.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from repro.stats.intervals import Interval, interval, paired_difference

HEADLINE, SUPPORTING, SANITY = "headline", "supporting", "sanity"
KINDS = (HEADLINE, SUPPORTING, SANITY)
REPRODUCED = "REPRODUCED"
NOT_REPRODUCED = "NOT REPRODUCED"
NOT_TESTABLE = "NOT TESTABLE HERE"
HOLDS, FAILS = "HOLDS", "FAILS"
MIN_RUNS = 3
SECTIONS = {HEADLINE: "HEADLINE CLAIM", SUPPORTING: "SUPPORTING CLAIMS",
            SANITY: "SANITY CHECKS (tests of our code; never counted as reproductions)"}
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_CLAIM_LINE = re.compile(r"^\[([A-Za-z][A-Za-z0-9_]*)\] (REPRODUCED|NOT REPRODUCED|NOT TESTABLE HERE"
                         r"|HOLDS|FAILS) {2,}(.+)$")
_LEGACY_LINE = re.compile(r"^\[(\d+)\] (REPRODUCED|NOT REPRODUCED) {2,}(.+)$")


def below(value: float, floor: float) -> str:
    """Print a round-off-sized error stably: ``"< floor"`` when below it, else the value to 2 digits."""
    return f"< {floor:.0e}" if value < floor else f"{value:.1e}"


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


@dataclass(frozen=True)
class Change:
    """A criterion, setting or metric changed after a pilot run: what, what it was, and why."""

    what: str
    was: str
    why: str

    def __str__(self) -> str:
        return f"{self.what} (was: {self.was}) -- {self.why}"


@dataclass
class Measurement:
    """Per-run values of one claim at one setting of a sweep (``setting=""`` when none)."""

    setting: str
    values: list[float]
    interval: Interval | None  # None for a deterministic value
    passed: bool


@dataclass
class Declared:
    """One claim as declared before the experiment runs, and what was then measured."""

    key: str
    kind: str
    statement: str
    metric: str = ""
    better: str = "higher"
    margin: float = 0.0
    paired_with: str = ""
    deterministic: bool = False
    changed: tuple[Change, ...] = ()
    not_testable: str = ""
    fmt: str = "{:+.2g}"
    measurements: list[Measurement] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        return self.kind != SANITY

    @property
    def criterion(self) -> str:
        if self.not_testable:
            return "not testable here: " + self.not_testable
        side = ">" if self.better == "higher" else "<"
        what = f"{self.metric}" + (f" minus {self.paired_with}" if self.paired_with else "")
        if self.deterministic:
            return f"{what} {side} {self.margin:g} (deterministic: computed exactly, no interval)"
        runs = f"over >= {MIN_RUNS} independent runs" + (", paired" if self.paired_with else "")
        return f"95% CI of {what} {side} {self.margin:g}, {runs}"

    @property
    def verdict(self) -> str:
        if self.not_testable:
            return NOT_TESTABLE
        ok = bool(self.measurements) and all(m.passed for m in self.measurements)
        if self.kind == SANITY:
            return HOLDS if ok else FAILS
        return REPRODUCED if ok else NOT_REPRODUCED


class Claims:
    """A chapter's declared claims, their measurements and the verdict report."""

    def __init__(self):
        self.declared: dict[str, Declared] = {}
        self._legacy: list[_LegacyClaim] = []

    # ---- declaring, before the experiment -------------------------------------------------
    def declare(self, key: str, *, kind: str, statement: str, metric: str, better: str = "higher",
                margin: float = 0.0, paired_with: str = "", deterministic: bool = False,
                changed: Change | tuple[Change, ...] | list[Change] = (),
                fmt: str = "{:+.2g}") -> Declared:
        """Declare a claim and its criterion before running anything.

        ``metric`` names the per-run quantity (for a paired claim: the method's value, compared
        with ``paired_with``, the baseline that could win); the claim passes when the 95%
        interval of the per-run values (of the paired differences) lies entirely above
        (``better="higher"``) or below (``better="lower"``) ``margin``. ``deterministic=True``
        declares an exactly computed quantity (closed form, exact count), compared with the
        margin directly. ``fmt`` is the coarse format of the report; the results cell prints
        full precision.
        """
        if kind not in KINDS:
            raise ValueError(f"claim {key!r}: kind={kind!r}; use one of {', '.join(KINDS)}")
        if better not in ("higher", "lower"):
            raise ValueError(f"claim {key!r}: better={better!r}; use 'higher' or 'lower'")
        self._new(key)
        if isinstance(changed, Change):
            changed = (changed,)
        claim = Declared(key, kind, statement, metric, better, float(margin), paired_with,
                         deterministic, tuple(changed), "", fmt)
        self.declared[key] = claim
        return claim

    def not_testable(self, key: str, *, statement: str, reason: str, kind: str = HEADLINE) -> Declared:
        """Record a claim that this hardware cannot test, with the concrete reason.

        It is counted apart: neither a reproduction nor a failure.
        """
        if kind == SANITY:
            raise ValueError("a sanity check is always testable: it checks our own code")
        if not reason.strip():
            raise ValueError(f"claim {key!r}: say concretely why it cannot be tested here")
        self._new(key)
        claim = Declared(key, kind, statement, not_testable=reason)
        self.declared[key] = claim
        return claim

    def _new(self, key: str) -> None:
        if self._legacy:
            raise ValueError("this chapter already uses the legacy Claims.add; use one API only")
        if not _KEY.match(key):
            raise ValueError(f"claim key {key!r}: use letters, digits and underscores")
        if key in self.declared:
            raise ValueError(f"claim {key!r} is declared twice")

    def box(self) -> str:
        """The claim box (MyST markdown): every declared claim with its kind and criterion."""
        lines = ["```{admonition} Claims tested here, declared before running", ":class: important"]
        for kind in KINDS:
            group = [c for c in self.declared.values() if c.kind == kind]
            if not group:
                continue
            lines += ["", f"**{kind.capitalize()}**", ""]
            for c in group:
                lines.append(f"- `{c.key}`: {c.statement}  \n  *Criterion:* {c.criterion}.")
                lines += [f"  \n  *Changed after a pilot:* {ch}." for ch in c.changed]
        lines.append("```")
        return "\n".join(lines)

    def show(self):
        """Display the claim box in the notebook (rendered as markdown by the book)."""
        from IPython.display import Markdown, display

        self._check_headline()
        display(Markdown(self.box()))

    # ---- measuring ---------------------------------------------------------------------------
    def record(self, key: str, *, values=None, method=None, baseline=None, value=None,
               setting: str = "") -> Measurement:
        """Record what a declared claim measured and evaluate it against its criterion.

        Give per-run ``values``, or paired per-run ``method`` and ``baseline`` values (for a
        claim declared with ``paired_with``), or one exact ``value`` (for a deterministic claim
        or a sanity check). Recording the same key at several ``setting`` labels is a sweep: the
        claim then passes only if it passes at every setting.
        """
        claim = self._get(key)
        if claim.not_testable:
            raise ValueError(f"claim {key!r} was declared not testable here; nothing to record")
        if any(m.setting == setting for m in claim.measurements):
            raise ValueError(f"claim {key!r} already has a measurement at setting {setting!r}")
        given = [n for n, v in (("values", values), ("method", method), ("value", value)) if v is not None]
        if len(given) != 1 or (method is None) != (baseline is None):
            raise ValueError(f"claim {key!r}: give exactly one of values=, method= with baseline=, value=")
        if claim.paired_with and method is None:
            raise ValueError(f"claim {key!r} is paired with {claim.paired_with!r}: "
                             "record method= and baseline= per run")
        if method is not None and not claim.paired_with:
            raise ValueError(f"claim {key!r}: method=/baseline= need a claim declared with paired_with")
        if value is not None:
            if claim.counted and not claim.deterministic:
                raise ValueError(
                    f"{claim.kind} claim {key!r} got one value: a counted claim needs per-run values "
                    f"from >= {MIN_RUNS} independent runs, or deterministic=True in its declaration "
                    "if it is a closed form or an exact count")
            v = float(value)
            m = Measurement(setting, [v], None, v > claim.margin if claim.better == "higher" else v < claim.margin)
        else:
            if method is not None:
                iv = paired_difference(method, baseline)
                vals = [float(a) - float(b) for a, b in zip(method, baseline)]
            else:
                vals = [float(v) for v in values]
                iv = None
            if claim.counted and not claim.deterministic and len(vals) < MIN_RUNS:
                raise ValueError(
                    f"{claim.kind} claim {key!r} has {len(vals)} run(s): a counted claim needs "
                    f">= {MIN_RUNS} independent runs (BOOK.md, 'Claims'), or deterministic=True if "
                    "it is a closed form or an exact count")
            iv = iv or interval(vals)
            m = Measurement(setting, vals, iv, iv.clears(claim.margin, claim.better))
        claim.measurements.append(m)
        return m

    def _get(self, key: str) -> Declared:
        if key not in self.declared:
            known = ", ".join(self.declared) or "none"
            raise KeyError(f"claim {key!r} was not declared (declared: {known}); declare every "
                           "claim near the top of the chapter, before the experiment")
        return self.declared[key]

    def _check_headline(self) -> None:
        if self.declared and not any(c.kind == HEADLINE for c in self.declared.values()):
            raise ValueError("no headline claim: every chapter declares the paper's central claim "
                             "(kind='headline'), or records it with not_testable(...) and the reason")

    def _check_complete(self) -> None:
        if not self.declared:
            raise ValueError("no claims were declared")
        self._check_headline()
        missing = [c.key for c in self.declared.values() if not c.not_testable and not c.measurements]
        if missing:
            raise ValueError(f"declared but never measured: {', '.join(missing)}")

    # ---- reporting ---------------------------------------------------------------------------
    def results_text(self) -> str:
        """Effect sizes with their intervals at full precision (the cell before the verdict)."""
        self._check_complete()
        lines = []
        for c in self.declared.values():
            if c.not_testable:
                continue
            for m in c.measurements:
                at = f" [{m.setting}]" if m.setting else ""
                if m.interval is None:
                    lines.append(f"{c.key}{at}: {m.values[0]:.6g} (exact)")
                else:
                    iv = m.interval
                    lines.append(f"{c.key}{at}: mean {iv.mean:.6g}, 95% CI [{iv.low:.6g}, {iv.high:.6g}], "
                                 f"n = {iv.n}; per run: " + ", ".join(f"{v:.6g}" for v in m.values))
        return "\n".join(lines)

    def results(self) -> None:
        print(self.results_text())

    def _measured(self, c: Declared) -> list[str]:
        out = []
        for m in c.measurements:
            at = f"{m.setting}: " if m.setting else ""
            if m.interval is None:
                out.append(f"{at}{format_value(m.values[0], c.fmt)}")
            else:
                iv = m.interval
                out.append(f"{at}{format_value(iv.mean, c.fmt)} (95% CI {format_value(iv.low, c.fmt)} "
                           f"to {format_value(iv.high, c.fmt)}), {iv.n} runs")
        return out

    def text(self) -> str:
        """The verdict report: what :meth:`report` prints."""
        if self._legacy:
            return _legacy_text(self._legacy)
        self._check_complete()
        lines = []
        for kind in KINDS:
            group = [c for c in self.declared.values() if c.kind == kind]
            if not group:
                continue
            lines.append(SECTIONS[kind])
            for c in group:
                lines.append(f"[{c.key}] {c.verdict:<14}  {c.statement}")
                if not c.not_testable:
                    lines.append("    measured : " + "; ".join(self._measured(c)))
                lines.append(f"    criterion: {c.criterion}")
                lines += [f"    changed  : {ch}" for ch in c.changed]
        lines.append("Summary: " + summary_line([(c.kind, c.verdict) for c in self.declared.values()],
                                                sum(len(c.changed) for c in self.declared.values())))
        return "\n".join(lines)

    def report(self) -> None:
        """Print the verdict report: the last line of a chapter's ``nbval-check-output`` cell."""
        print(self.text())

    # ---- the legacy API, kept only until every chapter is reworked (issues 12 and 13) ---------
    def add(self, statement: str, *, measured: dict, criterion: str, passed, fmt: str = "{:.3g}",
            note: str = "") -> None:
        """Legacy: an undeclared claim with a hand-computed ``passed``. Not for new chapters."""
        if self.declared:
            raise ValueError("this chapter declares claims; use declare/record, not add")
        if not measured:
            raise ValueError("a claim needs at least one measured value")
        shown = {k: format_value(v, fmt) for k, v in measured.items()}
        self._legacy.append(_LegacyClaim(statement, shown, criterion, bool(passed), note))

    @property
    def n_reproduced(self) -> int:
        return sum(c.passed for c in self._legacy) + sum(
            c.verdict == REPRODUCED for c in self.declared.values())


def summary_line(kinds_verdicts, n_changed: int = 0) -> str:
    """One line: headline verdict, supporting and sanity tallies, changes after a pilot."""
    head = [v for k, v in kinds_verdicts if k == HEADLINE]
    sup = [v for k, v in kinds_verdicts if k == SUPPORTING]
    san = [v for k, v in kinds_verdicts if k == SANITY]
    sup_tested = [v for v in sup if v != NOT_TESTABLE]
    parts = [f"headline {' / '.join(h.lower() for h in head)}",
             f"supporting {sum(v == REPRODUCED for v in sup)} of {len(sup_tested)} reproduced"
             + (f" ({len(sup) - len(sup_tested)} not testable here)" if len(sup) > len(sup_tested) else ""),
             f"sanity {sum(v == HOLDS for v in san)} of {len(san)} hold"]
    if n_changed:
        parts.append(f"{n_changed} change(s) after a pilot")
    return "; ".join(parts)


@dataclass(frozen=True)
class ParsedClaim:
    """A claim as read back from a printed report."""

    key: str
    kind: str
    verdict: str
    statement: str
    n_changed: int = 0


def parse_report(text: str) -> list[ParsedClaim]:
    """Read a printed report back. Legacy reports give kind ``"legacy"`` and their claim number as key."""
    found, kind = [], None
    heads = {v: k for k, v in SECTIONS.items()}
    for line in text.splitlines():
        if line in heads:
            kind = heads[line]
            continue
        m = _CLAIM_LINE.match(line)
        if m and kind:
            found.append(ParsedClaim(m.group(1), kind, m.group(2), m.group(3).strip()))
            continue
        m = _LEGACY_LINE.match(line)
        if m and kind is None:
            found.append(ParsedClaim(m.group(1), "legacy", m.group(2), m.group(3).strip()))
            continue
        if line.startswith("    changed  :") and found:
            last = found[-1]
            found[-1] = ParsedClaim(last.key, last.kind, last.verdict, last.statement, last.n_changed + 1)
    return found


@dataclass
class _LegacyClaim:
    statement: str
    measured: dict
    criterion: str
    passed: bool
    note: str = ""


def _legacy_text(claims: list[_LegacyClaim]) -> str:
    lines = []
    for i, c in enumerate(claims, 1):
        lines.append(f"[{i}] {REPRODUCED if c.passed else NOT_REPRODUCED:<14}  {c.statement}")
        lines.append("    measured : " + ", ".join(f"{k} = {v}" for k, v in c.measured.items()))
        lines.append(f"    criterion: {c.criterion}")
        if c.note:
            lines.append(f"    note     : {c.note}")
    lines.append(f"Summary: {sum(c.passed for c in claims)} of {len(claims)} claims reproduced")
    return "\n".join(lines)
