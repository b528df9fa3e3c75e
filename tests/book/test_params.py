import pytest

from repro.book.params import ParameterError, check_choice, check_float, check_int


def test_check_choice():
    assert check_choice("x", "a", ["a", "b"]) == "a"
    with pytest.raises(ParameterError, match="x='c' is not allowed; choose one of 'a', 'b'"):
        check_choice("x", "c", ["a", "b"])


def test_check_int_bounds_and_type():
    assert check_int("n", 3, minimum=1, maximum=3) == 3
    for bad in (0, 4):
        with pytest.raises(ParameterError):
            check_int("n", bad, minimum=1, maximum=3)
    for bad in (True, 2.0, "2"):
        with pytest.raises(ParameterError, match="integer"):
            check_int("n", bad)


def test_check_float():
    assert check_float("lr", 1, minimum=0) == 1.0
    with pytest.raises(ParameterError, match=">= 0"):
        check_float("lr", -0.1, minimum=0)
    with pytest.raises(ParameterError, match="number"):
        check_float("lr", "fast")
