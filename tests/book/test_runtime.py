import numpy as np
import pytest
import torch

from repro.book.params import ParameterError
from repro.book.runtime import resolve_device, seed_everything, setup


def test_setup_seeds_and_pins_one_thread():
    run = setup("quick", 3, "cpu", style=False)
    a = (torch.rand(3), np.random.rand(3), run.rng.random(3))
    run2 = setup("quick", 3, "cpu", style=False)
    b = (torch.rand(3), np.random.rand(3), run2.rng.random(3))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])
    assert torch.get_num_threads() == 1
    assert torch.are_deterministic_algorithms_enabled()
    assert run.quick and run.pick(1, 2) == 1 and run.device == "cpu"


def test_full_scale_pick():
    assert setup("full", 0, "cpu", style=False).pick(1, 2) == 2


@pytest.mark.parametrize("kwargs, fragment", [
    ({"scale": "huge"}, "scale='huge' is not allowed"),
    ({"device": "tpu"}, "device='tpu' is not allowed"),
    ({"seed": -1}, "seed=-1 must be >= 0"),
    ({"seed": 1.5}, "must be an integer"),
])
def test_setup_rejects_unknown_values(kwargs, fragment):
    with pytest.raises(ParameterError, match=fragment.replace("(", r"\(")):
        setup(**kwargs, style=False)


def test_auto_device_is_cuda_only_when_available():
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_device("cuda")


def test_seed_everything_returns_seeded_generator():
    assert seed_everything(5).integers(1000) == np.random.default_rng(5).integers(1000)
