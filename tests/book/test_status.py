import json

from repro.book import catalog, status

NEW_REPORT = """HEADLINE CLAIM
[gain] REPRODUCED      a
    measured : +0.1 (95% CI +0.05 to +0.2), 3 runs
    criterion: ...
    changed  : margin (was: 1) -- typo
SUPPORTING CLAIMS
[mech] NOT REPRODUCED  b
    criterion: ...
[big] NOT TESTABLE HERE  c
    criterion: not testable here: needs ImageNet
SANITY CHECKS (tests of our code; never counted as reproductions)
[ident] HOLDS           d
Summary: ...
"""


def _fake_notebook(path, report, duration=12.3):
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["nbval-check-output"]},
                     "outputs": [{"output_type": "stream", "name": "stdout", "text": report}],
                     "source": "", "execution_count": 1}],
          "metadata": {"papermill": {"duration": duration}, "repro": {"scale": "quick", "device": "cpu"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))


def test_pages_count_kinds_apart_and_never_count_sanity_or_legacy(tmp_path):
    _fake_notebook(tmp_path / "book" / "losses" / "z_loss.ipynb", NEW_REPORT)
    legacy = "[1] REPRODUCED      a\n    measured : x = 1\n[2] NOT REPRODUCED  b\n"
    _fake_notebook(tmp_path / "book" / "kernels" / "self_distillation_krr.ipynb", legacy, duration=30)
    page = status.status_page(tmp_path)
    assert "Chapters written: **2 of 191**; under the claim rules (see" in page
    assert "Headline claim tested at quick scale: **1 of 1** (reproduced **1**, not reproduced **0**)" in page
    assert "Supporting claims reproduced: **0 of 1** tested" in page
    assert "Sanity checks (tests of our code, never counted as reproductions): **1**" in page
    assert "changed after a pilot run: **1**" in page and "seeds 0, 1 and 2: **0 of 1**" in page
    assert "Legacy reports awaiting rework under the claim rules (not counted above): **1**" in page
    assert page.count("| planned |") == 189
    assert "| reproduced | 0/1 | 1/1 | 1 | no record | 12 s | cpu |" in page
    assert "| legacy report, not counted (1/2 under the old rules) |" in page
    assert "1 of 16 chapters written; median quick runtime 12 s. Under the claim rules: 1; headline " \
           "reproduced in 1" in page
    toc = status.toc(tmp_path)
    assert "book/losses/z_loss" in toc and toc.count("book/") == 5 + len(catalog.parts())
    assert "headline reproduced; supporting 0/1; sanity 1/1" in status.part_page("losses", tmp_path)
    written = status.write_all(tmp_path)
    assert len(written) == 2 + len(catalog.parts())
