import json

from repro.book import catalog

from repro.book import status
def _fake_notebook(path, report, duration=12.3):
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["nbval-check-output"]},
                     "outputs": [{"output_type": "stream", "name": "stdout", "text": report}],
                     "source": "", "execution_count": 1}],
          "metadata": {"papermill": {"duration": duration}, "repro": {"scale": "quick", "device": "cpu"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))


def test_pages_list_every_paper_and_read_verdicts(tmp_path):
    report = "[1] REPRODUCED      a\n    measured : x = 1\n[2] NOT REPRODUCED  b\n"
    _fake_notebook(tmp_path / "book" / "losses" / "z_loss.ipynb", report)
    page = status.status_page(tmp_path)
    assert "Chapters written: **1 of 191**" in page and "Claims reproduced at quick scale: **1 of 2**" in page
    assert page.count("| planned |") == 190
    assert "[The Z-loss" in page and "| 1/2 reproduced | 12 s | cpu |" in page
    assert "1 of 16 chapters written; median quick runtime 12 s." in page
    toc = status.toc(tmp_path)
    assert "book/losses/z_loss" in toc and toc.count("book/") == 4 + len(catalog.parts())
    assert "[The Z-loss" in status.part_page("losses", tmp_path)
    written = status.write_all(tmp_path)
    assert len(written) == 2 + len(catalog.parts())
