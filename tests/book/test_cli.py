import pytest

from repro.book.cli import _parameter, main


def test_parameter_parsing():
    assert _parameter("seed=2") == ("seed", 2)
    assert _parameter("scale=full") == ("scale", "full")
    assert _parameter("widths=[1, 2]") == ("widths", [1, 2])


def test_run_requires_a_selection_and_known_chapters():
    with pytest.raises(SystemExit, match="name chapters"):
        main(["run"])
    with pytest.raises(SystemExit, match="unknown chapter"):
        main(["run", "no_such_chapter"])


def test_verify_expect_all_names_chapters_missing_from_merged_shards(tmp_path, capsys):
    import json

    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["nbval-check-output"]}, "source": "",
                     "execution_count": 1, "outputs": [{"output_type": "stream", "name": "stdout",
                                                        "text": "[1] REPRODUCED      a\n"}]}],
          "metadata": {"papermill": {"duration": 5.0}}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "losses").mkdir()
    (tmp_path / "losses" / "z_loss.ipynb").write_text(json.dumps(nb))
    assert main(["verify", str(tmp_path)]) == 0
    assert main(["verify", str(tmp_path), "--expect-all"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  theory/grokking_lazy_to_rich: missing from" in out


def test_shards_match_the_gpu_workflows_listing(capsys):
    """gpu.yml lists the parts with `find notebooks -name '*.py' | cut -d/ -f2 | sort -u`."""
    import json

    from repro.book.runner import ROOT

    assert main(["shards"]) == 0
    listed = sorted({p.parent.name for p in (ROOT / "notebooks").glob("*/*.py")})
    assert json.loads(capsys.readouterr().out) == listed and "losses" in listed
