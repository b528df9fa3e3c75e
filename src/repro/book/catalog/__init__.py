"""The book's catalog: the 191 papers (id, slug, part, title, tier, authors' code) and 12 parts.

A copy of ``../shared/papers.jsonl`` (without abstracts and suggestions) and
``../shared/parts.json``, shipped with the package so that the status page can be built from a
clone alone; ``python -m repro sync-catalog ../shared`` refreshes it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
FIELDS = ("id", "slug", "part", "title", "tier", "official_code")


@dataclass(frozen=True)
class Paper:
    id: int
    slug: str
    part: str
    title: str
    tier: str
    official_code: str | None


@cache
def parts() -> dict[str, str]:
    """Part key -> part title, in book order."""
    return {p["key"]: p["title"] for p in json.loads((HERE / "parts.json").read_text())}


@cache
def papers() -> tuple[Paper, ...]:
    """All papers of the catalog, in catalog order."""
    with open(HERE / "papers.jsonl") as f:
        return tuple(Paper(**{k: json.loads(line)[k] for k in FIELDS}) for line in f if line.strip())


def paper(slug: str) -> Paper:
    """The catalog entry of ``slug``; ``KeyError`` with a clear message if unknown."""
    for p in papers():
        if p.slug == slug:
            return p
    raise KeyError(f"no paper with slug {slug!r} in the catalog")


def sync(shared: Path) -> int:
    """Copy the catalog from a ``shared/`` folder (papers.jsonl, parts.json); return #papers."""
    shared = Path(shared)
    rows = [json.loads(line) for line in open(shared / "papers.jsonl") if line.strip()]
    with open(HERE / "papers.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps({k: r.get(k) for k in FIELDS}) + "\n")
    (HERE / "parts.json").write_text((shared / "parts.json").read_text())
    papers.cache_clear()
    parts.cache_clear()
    return len(rows)
