"""Seed records: a chapter's per-claim verdicts under seeds 0, 1 and 2, with its inputs' hash.

``python -m repro seeds <slug>`` executes the chapter with each seed (seed 0 is read from the
committed notebook when that is current), and writes ``book/<part>/<slug>.seeds.json``::

    {"slug": ..., "inputs_hash": ..., "seeds": {"0": {"key": "REPRODUCED", ...}, "1": ..., "2": ...},
     "kinds": {"key": "headline", ...}, "stable": true, "wall_s": {"1": 21.3, "2": 20.9}}

``stable`` is true when every counted claim (headline and supporting) has the same verdict under
every seed. The record is valid only for the inputs it was made from: the hash is that of the
chapter source and every package module it imports (:func:`repro.book.runner.inputs_hash`), so a
change to either makes :func:`problems` report it as stale.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from repro.book import runner
from repro.book.claims import SANITY, parse_report

SEEDS = (0, 1, 2)


def record_path(chapter: runner.Chapter) -> Path:
    return chapter.executed.with_suffix(".seeds.json")


def report_text(path: Path) -> str:
    """What the verdict cell (tagged ``nbval-check-output``) of an executed notebook printed."""
    nb = json.loads(Path(path).read_text())
    text = ""
    for cell in nb["cells"]:
        if "nbval-check-output" in cell.get("metadata", {}).get("tags", []):
            for out in cell.get("outputs", []):
                t = out.get("text") or out.get("data", {}).get("text/plain", "")
                text += "".join(t) if isinstance(t, list) else t
    return text


def report_claims(path: Path):
    """The claims printed by the verdict cell of an executed notebook."""
    return parse_report(report_text(path))


def is_stable(seeds: dict, kinds: dict) -> bool:
    """Every counted claim has one verdict under every seed (and every seed reports it)."""
    counted = [k for k, kind in kinds.items() if kind != SANITY]
    return all(len({seeds[s].get(k) for s in seeds}) == 1 and None not in {seeds[s].get(k) for s in seeds}
               for k in counted)


def make_record(chapter: runner.Chapter, log_output: bool = False) -> dict:
    """Run the chapter under seeds 0, 1 and 2 and write its seed record; return the record."""
    seeds, kinds, wall = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for s in SEEDS:
            if s == 0 and runner.is_current(chapter, {}):
                path = chapter.executed
            else:
                path = runner.execute(chapter, {"seed": s}, Path(tmp) / f"seed{s}.ipynb", log_output)
                wall[str(s)] = json.loads(path.read_text())["metadata"]["repro"]["wall_s"]
            claims = report_claims(path)
            if not claims:
                raise ValueError(f"{chapter.slug}, seed {s}: the verdict cell printed no claims")
            seeds[str(s)] = {c.key: c.verdict for c in claims}
            kinds |= {c.key: c.kind for c in claims}
    rec = {"slug": chapter.slug, "inputs_hash": runner.inputs_hash(chapter, {}), "seeds": seeds,
           "kinds": kinds, "stable": is_stable(seeds, kinds), "wall_s": wall}
    record_path(chapter).write_text(json.dumps(rec, indent=1, sort_keys=True) + "\n")
    return rec


def load(chapter: runner.Chapter) -> dict | None:
    path = record_path(chapter)
    return json.loads(path.read_text()) if path.exists() else None


def staleness(chapter: runner.Chapter) -> list[str]:
    """Why a chapter's seed record does not describe the current chapter (empty when it does)."""
    fix = f"run `python -m repro seeds {chapter.slug}`"
    rec = load(chapter)
    if rec is None:
        return [f"no seed record {record_path(chapter).name}: {fix}"]
    out = []
    if rec.get("inputs_hash") != runner.inputs_hash(chapter, {}):
        out.append(f"the seed record is stale (the chapter or a module it imports changed): {fix}")
    if sorted(rec.get("seeds", {})) != [str(s) for s in SEEDS]:
        out.append(f"the seed record lacks seeds {', '.join(map(str, SEEDS))}: {fix}")
    elif chapter.executed.exists():
        committed = {c.key: c.verdict for c in report_claims(chapter.executed)}
        if committed != rec["seeds"]["0"]:
            out.append(f"the seed record's seed-0 verdicts differ from the committed notebook: {fix}")
    return out


def problems(chapter: runner.Chapter) -> list[str]:
    """Why a chapter's seed record cannot be trusted (empty when it is current and stable)."""
    out = staleness(chapter)
    rec = load(chapter)
    if not out and not rec["stable"]:
        flips = [k for k, kind in rec["kinds"].items() if kind != SANITY
                 and len({rec["seeds"][s].get(k) for s in rec["seeds"]}) > 1]
        out.append(f"verdicts differ across seeds 0, 1 and 2 for: {', '.join(flips)}; the experiment "
                   "is too small or the criterion too tight: fix the experiment, not the threshold")
    return out
