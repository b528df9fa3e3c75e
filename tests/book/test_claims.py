import numpy as np
import pytest

from repro.book.claims import NOT_REPRODUCED, REPRODUCED, Claims, below, format_value, parse_report


def test_report_round_trip(capsys):
    c = Claims()
    c.add("A beats B", measured={"A": 0.91234, "B": 0.8}, criterion="A > B", passed=np.bool_(True),
          fmt="{:.2f}")
    c.add("C is small", measured={"C": 0.5}, criterion="C < 0.1", passed=False, note="too few samples")
    c.report()
    out = capsys.readouterr().out
    assert "measured : A = 0.91, B = 0.80" in out
    assert "note     : too few samples" in out
    assert out.strip().endswith("Summary: 1 of 2 claims reproduced")
    assert parse_report(out) == [(REPRODUCED, "A beats B"), (NOT_REPRODUCED, "C is small")]
    assert c.n_reproduced == 1


def test_claim_needs_measurements_and_report_needs_claims():
    with pytest.raises(ValueError):
        Claims().add("x", measured={}, criterion="", passed=True)
    with pytest.raises(ValueError):
        Claims().text()


def test_format_value():
    assert format_value(1 / 3) == "0.333"
    assert format_value([1.0, 2.5], "{:.1f}") == "[1.0, 2.5]"
    assert format_value("< 1e-8") == "< 1e-8"
    assert format_value(True) == "True"


def test_below_prints_round_off_stably():
    assert below(3e-13, 1e-10) == "< 1e-10"
    assert below(2.345e-7, 1e-10) == "2.3e-07"
