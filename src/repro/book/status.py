"""Generate the pages that list chapters: the status page, the part pages and ``_toc.yml``.

Everything is read from the catalog and the executed notebooks in ``book/``, never typed by
hand: verdicts come from the output of the cell tagged ``nbval-check-output`` (parsed with
:func:`repro.book.claims.parse_report`), runtimes from papermill's metadata, the device from the
runner's metadata.
"""
from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from repro.book import catalog, seeds
from repro.book.claims import (HEADLINE, HOLDS, NOT_TESTABLE, REPRODUCED, SANITY, SUPPORTING,
                               ParsedClaim)
from repro.book.runner import ROOT, Chapter


@dataclass
class ChapterStatus:
    """What an executed notebook (and its seed record) says about its chapter."""

    claims: list[ParsedClaim]
    duration_s: float | None
    scale: str | None
    device: str | None
    seed_stable: bool | None = None  # None: no current seed record

    @property
    def legacy(self) -> bool:
        """A report in the pre-rules format (undeclared claims, no kinds): not counted."""
        return bool(self.claims) and all(c.kind == "legacy" for c in self.claims)

    def of(self, kind: str) -> list[ParsedClaim]:
        return [c for c in self.claims if c.kind == kind]

    @property
    def headline(self) -> str:
        """``reproduced`` / ``not reproduced`` / ``not testable here`` (the worst if several)."""
        if self.legacy:
            return "legacy report"
        verdicts = {c.verdict for c in self.of(HEADLINE)}
        for v in (NOT_TESTABLE, "NOT REPRODUCED", REPRODUCED):
            if v in verdicts:
                return v.lower()
        return "none declared"

    @property
    def supporting(self) -> tuple[int, int]:
        """(reproduced, tested) among supporting claims."""
        tested = [c for c in self.of(SUPPORTING) if c.verdict != NOT_TESTABLE]
        return sum(c.verdict == REPRODUCED for c in tested), len(tested)

    @property
    def sanity(self) -> tuple[int, int]:
        """(holding, total) sanity checks."""
        s = self.of(SANITY)
        return sum(c.verdict == HOLDS for c in s), len(s)

    @property
    def n_changed(self) -> int:
        return sum(c.n_changed for c in self.claims)

    @property
    def summary(self) -> str:
        if self.legacy:
            n_ok = sum(c.verdict == REPRODUCED for c in self.claims)
            return f"legacy report: {n_ok}/{len(self.claims)} (not yet reworked)"
        (s_ok, s_n), (h_ok, h_n) = self.supporting, self.sanity
        return f"headline {self.headline}; supporting {s_ok}/{s_n}; sanity {h_ok}/{h_n}"


def read_status(path: Path, chapter: Chapter | None = None) -> ChapterStatus:
    """Parse an executed notebook's verdict report, runtime, scale, device and seed record."""
    nb = json.loads(Path(path).read_text())
    meta = nb.get("metadata", {})
    rep = meta.get("repro", {})
    stable = None
    if chapter is not None and not seeds.staleness(chapter):
        stable = bool(seeds.load(chapter)["stable"])
    return ChapterStatus(seeds.report_claims(path), meta.get("papermill", {}).get("duration"),
                         rep.get("scale"), rep.get("device"), stable)


def _written(root: Path) -> dict[str, Chapter]:
    return {p.stem: Chapter(p.parent.name, p.stem, root) for p in sorted((root / "book").glob("*/*.ipynb"))}


def _seed_cell(st: ChapterStatus) -> str:
    return {True: "yes", False: "**no**", None: "no record"}[st.seed_stable]


def status_page(root: Path = ROOT) -> str:
    """Markdown of ``book/status.md``: every catalog paper, written or planned."""
    written = _written(root)
    rows = []
    tot = dict(done=0, legacy=0, h_ok=0, h_no=0, h_nt=0, s_ok=0, s_n=0, san=0, changed=0, stable=0)
    for key, title in catalog.parts().items():
        papers = [p for p in catalog.papers() if p.part == key]
        sts = {p.slug: read_status(written[p.slug].executed, written[p.slug])
               for p in papers if p.slug in written}
        times = [s.duration_s for s in sts.values() if s.duration_s is not None]
        median = f"; median quick runtime {statistics.median(times):.0f} s" if times else ""
        new = [s for s in sts.values() if not s.legacy]
        h = [s.headline for s in new]
        part_line = (f"{len(sts)} of {len(papers)} chapters written{median}. Under the claim rules: "
                     f"{len(new)}; headline reproduced in {h.count('reproduced')}, not reproduced in "
                     f"{h.count('not reproduced')}, not testable here in {h.count('not testable here')}; "
                     f"supporting claims {sum(s.supporting[0] for s in new)} of "
                     f"{sum(s.supporting[1] for s in new)} reproduced.")
        if len(sts) > len(new):
            part_line += f" Legacy reports awaiting rework: {len(sts) - len(new)}."
        rows += ["", f"## {title}", "", part_line, "",
                 "| id | paper | headline | supporting | sanity | changed after pilot | seed-stable "
                 "| quick runtime | device |",
                 "|---:|---|---|:-:|:-:|:-:|:-:|---:|---|"]
        for p in papers:
            if p.slug not in sts:
                rows.append(f"| {p.id} | {p.title} | planned | | | | | - | - |")
                continue
            st = sts[p.slug]
            tot["done"] += 1
            link = f"[{p.title}]({p.part}/{p.slug}.ipynb)"
            runtime = f"{st.duration_s:.0f} s" if st.duration_s is not None else "-"
            if st.legacy:
                tot["legacy"] += 1
                n_ok = sum(c.verdict == REPRODUCED for c in st.claims)
                rows.append(f"| {p.id} | {link} | legacy report, not counted ({n_ok}/{len(st.claims)} "
                            f"under the old rules) | | | | | {runtime} | {st.device or '-'} |")
                continue
            tot["h_ok"] += st.headline == "reproduced"
            tot["h_no"] += st.headline == "not reproduced"
            tot["h_nt"] += st.headline == "not testable here"
            tot["s_ok"] += st.supporting[0]
            tot["s_n"] += st.supporting[1]
            tot["san"] += st.sanity[1]
            tot["changed"] += st.n_changed
            tot["stable"] += bool(st.seed_stable)
            (s_ok, s_n), (h_ok, h_n) = st.supporting, st.sanity
            rows.append(f"| {p.id} | {link} | {st.headline} | {s_ok}/{s_n} | {h_ok}/{h_n} | "
                        f"{st.n_changed or ''} | {_seed_cell(st)} | {runtime} | {st.device or '-'} |")
    ruled = tot["done"] - tot["legacy"]
    head = [
        "# Status of the book", "",
        "Generated by `python -m repro status` from the catalog, the executed notebooks and their "
        "seed records; do not edit by hand.", "",
        f"- Chapters written: **{tot['done']} of {len(catalog.papers())}**; under the claim rules "
        f"(see [How verdicts work](intro.md#how-verdicts-work)): **{ruled}**",
        f"- Headline claim tested at quick scale: **{tot['h_ok'] + tot['h_no']} of {ruled}** "
        f"(reproduced **{tot['h_ok']}**, not reproduced **{tot['h_no']}**); not testable here: "
        f"**{tot['h_nt']}**",
        f"- Supporting claims reproduced: **{tot['s_ok']} of {tot['s_n']}** tested",
        f"- Sanity checks (tests of our code, never counted as reproductions): **{tot['san']}**",
        f"- Criteria or settings changed after a pilot run: **{tot['changed']}**; chapters whose "
        f"counted verdicts agree for seeds 0, 1 and 2: **{tot['stable']} of {ruled}**",
        f"- Legacy reports awaiting rework under the claim rules (not counted above): **{tot['legacy']}**",
        "",
        "*Headline* is the paper's central claim; *supporting* counts reproduced of tested "
        "mechanism and ablation claims; *sanity* counts identities and implementation checks that "
        "hold. *Seed-stable* comes from the chapter's seed record (`python -m repro seeds`). The "
        "runtime is papermill's record of the committed quick-scale execution; the device is where "
        "it ran.",
    ]
    return "\n".join(head + rows) + "\n"


def part_page(key: str, root: Path = ROOT) -> str:
    """Markdown of ``book/<part>/index.md``: the part's papers and which chapters exist."""
    written = _written(root)
    papers = [p for p in catalog.papers() if p.part == key]
    done = [p for p in papers if p.slug in written]
    lines = [f"# {catalog.parts()[key]}", "",
             f"{len(done)} of {len(papers)} chapters of this part are written; the others are "
             "planned (see the [status page](../status.md)).", ""]
    for p in papers:
        if p.slug in written:
            st = read_status(written[p.slug].executed, written[p.slug])
            lines.append(f"- [{p.title}]({p.slug}.ipynb): {st.summary}")
        else:
            lines.append(f"- {p.title} *(planned)*")
    return "\n".join(lines) + "\n"


def toc(root: Path = ROOT) -> str:
    """``_toc.yml``: intro, status and references, then each part (its page, then its chapters)."""
    written = _written(root)
    out = ["# Generated by `python -m repro status`; do not edit by hand.", "format: jb-book",
           "root: book/intro", "parts:", "  - caption: About", "    chapters:",
           "      - file: book/status", "      - file: book/references"]
    for key, title in catalog.parts().items():
        out += [f"  - caption: {json.dumps(title)}", "    chapters:", f"      - file: book/{key}/index"]
        slugs = [p.slug for p in catalog.papers() if p.part == key and p.slug in written]
        if slugs:
            out.append("        sections:")
            out += [f"          - file: book/{key}/{s}" for s in slugs]
    return "\n".join(out) + "\n"


def write_all(root: Path = ROOT) -> list[Path]:
    """Write the status page, the part pages and ``_toc.yml``; return the paths written."""
    paths = {root / "book" / "status.md": status_page(root), root / "_toc.yml": toc(root)}
    for key in catalog.parts():
        paths[root / "book" / key / "index.md"] = part_page(key, root)
    for path, text in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return list(paths)
