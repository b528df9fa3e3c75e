"""Every chapter's executed notebook is current with its source and meets the contract."""
import json

import pytest

from repro.book import catalog

from repro.book import runner

from repro.book import status
CHAPTERS = runner.chapters()
IDS = [f"{c.part}/{c.slug}" for c in CHAPTERS]


def _code_cells(cells):
    return [c["source"] if isinstance(c["source"], str) else "".join(c["source"])
            for c in cells if c["cell_type"] == "code"
            and "injected-parameters" not in c.get("metadata", {}).get("tags", [])]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_executed_notebook_matches_source(chapter):
    assert chapter.executed.exists(), f"run `python -m repro run {chapter.slug}`"
    executed = json.loads(chapter.executed.read_text())
    source = runner.load_source(chapter)
    assert _code_cells(executed["cells"]) == _code_cells(source.cells), (
        f"{chapter.executed} is stale: re-run `python -m repro run {chapter.slug}`")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_chapter_contract(chapter):
    paper = catalog.paper(chapter.slug)
    assert paper.part == chapter.part, f"{chapter.slug} belongs to part {paper.part}"
    nb = json.loads(chapter.executed.read_text())
    tags = [set(c.get("metadata", {}).get("tags", [])) for c in nb["cells"]]
    assert any("parameters" in t for t in tags)
    code = [(c, t) for c, t in zip(nb["cells"], tags) if c["cell_type"] == "code"]
    last, last_tags = code[-1]
    assert "nbval-check-output" in last_tags, "the verdict cell must be the last code cell"
    st = status.read_status(chapter.executed)
    assert st.verdicts, "the verdict cell printed no claims"
    assert st.scale == "quick" and nb["metadata"]["repro"]["parameters"] == {}, (
        "committed notebooks hold the default quick-scale run")
    assert st.duration_s <= 60, f"quick scale took {st.duration_s:.0f} s (budget 60 s)"
    assert not any(o.get("output_type") == "error" for c, _ in code for o in c.get("outputs", []))


def test_every_executed_notebook_has_a_source():
    sources = {(c.part, c.slug) for c in CHAPTERS}
    executed = {(p.parent.name, p.stem) for p in (runner.ROOT / "book").glob("*/*.ipynb")}
    assert executed <= sources, f"executed notebooks without a source: {sorted(executed - sources)}"


def test_generated_pages_are_current():
    root = runner.ROOT
    assert (root / "book" / "status.md").read_text() == status.status_page(root)
    assert (root / "_toc.yml").read_text() == status.toc(root)
    for key in catalog.parts():
        assert (root / "book" / key / "index.md").read_text() == status.part_page(key, root), (
            "run `python -m repro status`")
