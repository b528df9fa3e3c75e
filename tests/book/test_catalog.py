import json

import pytest

from repro.book import catalog


def test_catalog_has_all_papers_and_parts():
    papers = catalog.papers()
    assert len(papers) == 191 and len({p.slug for p in papers}) == 191
    assert len(catalog.parts()) == 12
    assert {p.part for p in papers} == set(catalog.parts())
    assert catalog.paper("z_loss").id == 20
    with pytest.raises(KeyError, match="no paper"):
        catalog.paper("nope")


def test_sync_round_trip(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    row = {"id": 1, "slug": "a", "part": "theory", "title": "T", "tier": "A", "official_code": None,
           "abstract": "not copied"}
    (shared / "papers.jsonl").write_text(json.dumps(row) + "\n")
    (shared / "parts.json").write_text(json.dumps([{"key": "theory", "title": "Theory"}]))
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    monkeypatch.setattr(catalog, "HERE", pkg)
    try:
        assert catalog.sync(shared) == 1
        assert "abstract" not in (pkg / "papers.jsonl").read_text()
        assert catalog.paper("a").title == "T" and catalog.parts() == {"theory": "Theory"}
    finally:
        catalog.papers.cache_clear()
        catalog.parts.cache_clear()
