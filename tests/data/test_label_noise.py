import numpy as np
import pytest

from repro.data.label_noise import pair, symmetric


@pytest.mark.parametrize("rate", [0.0, 0.2, 0.45, 1.0])
def test_symmetric_realised_rate_and_never_same_class(rate):
    y = np.repeat(np.arange(10), 100)
    noisy = symmetric(y, 10, rate, np.random.default_rng(0))
    assert (noisy != y).sum() == round(rate * len(y))
    assert noisy.min() >= 0 and noisy.max() < 10


def test_symmetric_spreads_over_other_classes():
    y = np.zeros(20000, dtype=int)
    noisy = symmetric(y, 5, 1.0, np.random.default_rng(0))
    counts = np.bincount(noisy, minlength=5)
    assert counts[0] == 0 and np.all(np.abs(counts[1:] / 20000 - 0.25) < 0.02)


def test_pair_noise_goes_to_next_class():
    y = np.repeat(np.arange(4), 50)
    noisy = pair(y, 4, 0.3, np.random.default_rng(1))
    flipped = noisy != y
    assert flipped.sum() == 60 and np.all(noisy[flipped] == (y[flipped] + 1) % 4)


def test_rate_out_of_range():
    with pytest.raises(ValueError):
        symmetric(np.zeros(3, dtype=int), 2, 1.5, np.random.default_rng(0))
