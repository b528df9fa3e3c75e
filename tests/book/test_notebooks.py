"""Every chapter's executed notebook is current with its source and meets the contract."""
import json

import pytest

from repro.book import catalog, runner, seeds, status

CHAPTERS = runner.chapters()
# Chapters whose reports predate the claim rules (headline / supporting / sanity, declared
# criteria, replication, seed records). They are reworked by the part issues ("Rework part
# Learning theory ..." and "Rework parts Losses ... and Kernels ..."); remove a chapter from this
# list when it is reworked. No new chapter may be added: the list only shrinks.
LEGACY = {
    "theory": {"exact_inductive_bias", "naive_bayes_vs_logreg", "nmt_scaling_laws",
               "ood_unlabeled_dro", "pdlt_finite_width", "posterior_collapse_cvae_hvae",
               "regmix_data_mixture", "rmt_lr_batch_size", "subgm_robust_matrix",
               "unsup_pretrain_advantage", "useful_simplicity_bias"},
    "losses": {"compress_feat_noisy_labels", "lsa_web_noise", "msssim_loss",
               "multi_sample_dropout", "rcal_noisy_longtail"},
    "kernels": {"bnn_surrogates_bo", "functional_bayes_tucker", "generative_kernel_cl",
                "gp_functional_prior_bnn", "kde_high_dimensions",
                "niw_meta_learning", "pfn_bayesian_transformer", "scalable_nn_kernels",
                "ssvi_sparse_bnn", "wide_cnn_kernel_locality"},
}
RULED = [c for c in CHAPTERS if c.slug not in LEGACY.get(c.part, set())]
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
    assert st.claims, "the verdict cell printed no claims"
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


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_claim_rules(chapter):
    """BOOK.md, "Claims": a headline entry, and a current seed record that agrees across seeds."""
    st = status.read_status(chapter.executed)
    if chapter not in RULED:
        assert st.legacy, (f"{chapter.slug} uses the claim rules now: remove it from LEGACY in "
                           "tests/book/test_notebooks.py")
        pytest.skip("legacy report, awaiting rework under the claim rules")
    assert not st.legacy, (f"{chapter.slug}: the report uses the legacy Claims.add; declare the claims "
                           "(Claims.declare / record) with a headline entry")
    assert st.of("headline"), f"{chapter.slug}: no headline claim in the report"
    problems = seeds.problems(chapter)
    assert not problems, f"{chapter.slug}: " + "; ".join(problems)


def test_legacy_list_names_only_existing_chapters():
    existing = {(c.part, c.slug) for c in CHAPTERS}
    listed = {(part, slug) for part, slugs in LEGACY.items() for slug in slugs}
    assert listed <= existing, f"LEGACY names chapters that do not exist: {sorted(listed - existing)}"


def test_gpu_shards_partition_the_chapters():
    """The GPU workflow's matrix (one shard per part) runs every chapter exactly once."""
    picked = [c for key in runner.shards() for c in runner.select(part=key)]
    assert sorted(picked, key=lambda c: (c.part, c.slug)) == CHAPTERS
    assert len(set(picked)) == len(picked)
