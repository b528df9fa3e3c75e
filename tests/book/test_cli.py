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
