"""Tests for repro.objectives.contrastive: the NT-Xent loss of SimCLR."""
import math

import pytest
import torch

from repro.objectives.contrastive import nt_xent


def _loop_nt_xent(z, tau):
    """Direct transcription of SimCLR's Eq. 1, one anchor at a time."""
    n2 = len(z)
    u = z / z.norm(dim=1, keepdim=True)
    total = 0.0
    for i in range(n2):
        p = (i + n2 // 2) % n2
        den = sum(math.exp(float(u[i] @ u[j]) / tau) for j in range(n2) if j != i)
        total += -(float(u[i] @ u[p]) / tau - math.log(den))
    return total / n2


def test_matches_loop_definition():
    z = torch.randn(10, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for tau in (0.1, 0.5, 2.0):
        assert abs(float(nt_xent(z, tau)) - _loop_nt_xent(z, tau)) < 1e-10


def test_scale_invariant_and_reductions():
    z = torch.randn(8, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert torch.allclose(nt_xent(z), nt_xent(7.0 * z))
    per = nt_xent(z, reduction="none")
    assert per.shape == (8,) and torch.allclose(per.mean(), nt_xent(z))
    assert torch.allclose(per.sum(), nt_xent(z, reduction="sum"))


def test_limits():
    # identical views, other pairs orthogonal: l_i = -log(e^{1/t} / (e^{1/t} + (2n - 2)))
    n, tau = 3, 0.5
    e = torch.eye(n, dtype=torch.float64)
    z = torch.cat([e, e])
    expected = -math.log(math.exp(1 / tau) / (math.exp(1 / tau) + 2 * n - 2))
    assert abs(float(nt_xent(z, tau)) - expected) < 1e-12
    # all rows equal: every candidate is as good as the partner -> log(2n - 1)
    z = torch.ones(2 * n, 4, dtype=torch.float64)
    assert abs(float(nt_xent(z, tau)) - math.log(2 * n - 1)) < 1e-12


def test_gradient_pulls_partners_together():
    z = torch.randn(6, 4, generator=torch.Generator().manual_seed(2), dtype=torch.float64, requires_grad=True)
    loss = nt_xent(z, 0.5)
    loss.backward()
    with torch.no_grad():
        z2 = z - 0.05 * z.grad
    u, u2 = torch.nn.functional.normalize(z, dim=1), torch.nn.functional.normalize(z2, dim=1)
    pos = lambda v: (v[:3] * v[3:]).sum(1).mean()  # noqa: E731
    assert nt_xent(z2, 0.5) < loss and pos(u2) > pos(u)


def test_bad_input():
    with pytest.raises(ValueError):
        nt_xent(torch.randn(5, 2))
    with pytest.raises(ValueError):
        nt_xent(torch.randn(4, 2), temperature=0.0)
