import math

import torch

from repro.objectives.supcon import supcon


def naive_supcon(z, labels, tau):
    u = z / z.norm(dim=1, keepdim=True)
    n, total, count = len(z), 0.0, 0
    for i in range(n):
        others = [a for a in range(n) if a != i]
        den = sum(math.exp(float(u[i] @ u[a]) / tau) for a in others)
        pos = [p for p in others if labels[p] == labels[i]]
        if not pos:
            continue
        total += -sum(float(u[i] @ u[p]) / tau - math.log(den) for p in pos) / len(pos)
        count += 1
    return total / count


def test_matches_loop_implementation():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(9, 4, generator=g, dtype=torch.float64)
    labels = torch.tensor([0, 1, 0, 2, 1, 0, 2, 3, 1])  # class 3 has no positive: skipped
    got = float(supcon(z, labels, temperature=0.3))
    assert abs(got - naive_supcon(z, labels, 0.3)) < 1e-10


def test_scale_invariant_and_separated_limit():
    z = torch.tensor([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [0.0, -1.0], [0.0, -5.0], [0.0, -2.0]],
                     dtype=torch.float64)
    labels = torch.tensor([0, 0, 0, 1, 1, 1])
    a = supcon(z, labels, 0.05)
    assert torch.allclose(a, supcon(3 * z, labels, 0.05))
    # identical positives, orthogonal negatives: loss -> log |P| = log 2 as tau -> 0
    assert abs(float(supcon(z, labels, 0.01)) - math.log(2)) < 1e-6


def test_gradient_pulls_positives_together():
    z = torch.tensor([[1.0, 0.2], [0.8, -0.5], [-1.0, 0.1], [-0.7, -0.6]], dtype=torch.float64,
                     requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1])
    loss = supcon(z, labels, 0.5)
    loss.backward()
    with torch.no_grad():
        z2 = z - 0.1 * z.grad
    assert supcon(z2, labels, 0.5).item() < loss.item()
