import math

import pytest
import torch

from repro.objectives import cauchy_schwarz as cs


def test_gram_hand_values():
    a = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    G = cs.gaussian_gram(a, a, sigma=1.0)
    torch.testing.assert_close(G, torch.tensor([[1.0, math.exp(-0.5)], [math.exp(-0.5), 1.0]],
                                               dtype=torch.float64))


def test_conditional_divergence_zero_iff_equal_and_nonnegative():
    torch.manual_seed(0)
    x = torch.randn(40, 3, dtype=torch.float64)
    y = torch.randn(40, 1, dtype=torch.float64)
    assert abs(cs.conditional_cs_divergence(x, y, y).item()) < 1e-12
    for shift in (0.1, 1.0, 3.0):
        d = cs.conditional_cs_divergence(x, y, y + shift)
        assert d.item() > 0
    # a larger error gives a larger divergence
    d = [cs.conditional_cs_divergence(x, y, y + s).item() for s in (0.1, 0.5, 2.0)]
    assert d[0] < d[1] < d[2]


def test_qmi_limits():
    torch.manual_seed(1)
    x = torch.randn(30, 2, dtype=torch.float64)
    const = torch.zeros(30, 4, dtype=torch.float64)
    assert abs(cs.cs_qmi(x, const).item()) < 1e-12           # a constant code carries nothing
    assert cs.cs_qmi(x, x[:, :1]).item() > 0
    assert cs.cs_qmi_normalized(x, x).item() == pytest.approx(1.0)
    # same marginal, dependence broken by shuffling the rows: far less information
    x = torch.randn(200, 2, dtype=torch.float64)
    shuffled = x[torch.randperm(200)]
    assert cs.cs_qmi(x, shuffled).item() < 0.1 * cs.cs_qmi(x, x).item()


def test_loss_is_differentiable_and_beta_zero_drops_compression():
    torch.manual_seed(2)
    x, y = torch.randn(16, 3), torch.randn(16)
    t = torch.randn(16, 5, requires_grad=True)
    y_hat = t.sum(1)
    loss = cs.cs_ib_loss(x, y, y_hat, t, beta=0.1)
    loss.backward()
    assert torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0
    base = cs.cs_ib_loss(x, y, y_hat.detach(), t.detach(), beta=0.0)
    torch.testing.assert_close(base, cs.conditional_cs_divergence(x, y[:, None], y_hat.detach()[:, None]))


def _authors_gram(X, Y, sigma):
    """The authors' Gram routine, operation by operation; with 1-D X and Y it reads each as one point."""
    G, H = (X * X).sum(-1), (Y * Y).sum(-1)
    Q = G.unsqueeze(-1).repeat(1, Y.size()[0])
    R = H.unsqueeze(-1).reshape(1, -1).repeat(X.size()[0], 1)  # their `.T`, also for 0-d H
    XY = X @ (Y.T if Y.dim() == 2 else Y)  # their X @ Y.T; for 1-D tensors a dot product
    return torch.clamp(torch.exp(-(Q + R - 2 * XY) / 2 / sigma**2), min=0)


def _authors_cs_div(x, y1, y2, sigma):
    K, L1, L2, L21 = (_authors_gram(x, x, sigma), _authors_gram(y1, y1, sigma),
                      _authors_gram(y2, y2, sigma), _authors_gram(y2, y1, sigma))
    t = [((K * G).sum(-1) / (K**2).sum(-1)).sum(0) for G in (L1, L2, L21)]
    return -2 * torch.log2(t[2]) + torch.log2(t[0]) + torch.log2(t[1])


def test_authors_1d_call_is_the_sum_of_squared_errors_not_eq18():
    """The authors' housing script passes 1-D responses: its 'CS divergence' is SSE / ln 2."""
    torch.manual_seed(3)
    x = torch.randn(32, 4, dtype=torch.float64)
    y = torch.randn(32, dtype=torch.float64)
    y_hat = y + 0.3 * torch.randn(32, dtype=torch.float64)
    sse = ((y - y_hat) ** 2).sum()
    authors = _authors_cs_div(x, y, y_hat, 1.0)
    torch.testing.assert_close(authors, sse / math.log(2))
    torch.testing.assert_close(cs.flattened_response_divergence(x, y, y_hat), sse)
    torch.testing.assert_close(cs.flattened_response_divergence(x, y, y_hat, sigma=2.0), sse / 4)
    # with (B, 1) columns the authors' routine gives Eq. 18, which is ours (up to log2)
    ours = cs.conditional_cs_divergence(x, y[:, None], y_hat[:, None])
    torch.testing.assert_close(_authors_cs_div(x, y[:, None], y_hat[:, None], 1.0), ours / math.log(2))
    assert abs(ours.item() - sse.item()) > 0.1 * sse.item()


def test_cs_ib_loss_reads_1d_responses_as_b_points():
    torch.manual_seed(4)
    x, y = torch.randn(20, 3), torch.randn(20)
    y_hat, t = y + 0.5 * torch.randn(20), torch.randn(20, 2)
    torch.testing.assert_close(cs.cs_ib_loss(x, y, y_hat, t, beta=0.0),
                               cs.conditional_cs_divergence(x, y[:, None], y_hat[:, None]))
    assert not torch.allclose(cs.cs_ib_loss(x, y, y_hat, t, beta=0.0),
                              cs.flattened_response_divergence(x, y, y_hat))
