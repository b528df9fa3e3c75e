"""Tests for repro.objectives.correctness_aware (Liu et al., arXiv:2404.13016)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from repro.objectives import correctness_aware as ca


def test_confidence_and_correctness():
    z = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    conf, correct = ca.confidence_correctness(z, torch.tensor([0, 0]))
    assert torch.allclose(conf, torch.sigmoid(torch.tensor([2.0, 1.0])))
    assert torch.equal(correct, torch.tensor([1.0, 0.0]))


def test_balance_weights_equalise_total_weight():
    correct = torch.tensor([1.0, 1.0, 1.0, 0.0])  # acc = 0.75
    w = ca.balance_weights(correct)
    assert torch.allclose(w, torch.tensor([0.25, 0.25, 0.25, 0.75]))
    assert w[correct > 0].sum() == pytest.approx(w[correct == 0].sum().item())


def test_ca_loss_hand_example():
    z = torch.tensor([[np.log(3.0), 0.0], [0.0, np.log(4.0)], [np.log(9.0), 0.0]], dtype=torch.float64)
    y = torch.tensor([0, 0, 0])  # confidences 0.75 (right), 0.8 (wrong), 0.9 (right)
    per = ca.correctness_aware_loss(z, y, reduction="none")
    assert torch.allclose(per, torch.tensor([0.0625, 0.64, 0.01], dtype=torch.float64))
    acc = 2 / 3
    w = torch.tensor([1 - acc, acc, 1 - acc], dtype=torch.float64)
    expected = (w * per).sum() / w.sum()
    assert ca.correctness_aware_loss(z, y).item() == pytest.approx(expected.item())
    assert ca.correctness_aware_loss(z, y, balanced=False).item() == pytest.approx(per.mean().item())


def test_ca_loss_all_correct_falls_back_to_mean():
    z = torch.tensor([[2.0, 0.0], [3.0, 0.0]])
    y = torch.tensor([0, 0])
    per = ca.correctness_aware_loss(z, y, reduction="none")
    assert ca.correctness_aware_loss(z, y).item() == pytest.approx(per.mean().item())


def test_ca_gradient_in_temperature_matches_hand_derivation():
    # two classes, logit gap g, temperature T: c = sigmoid(g / T); for a wrong prediction
    # d/dT (c - 0)^2 = 2 c * c (1 - c) * (-g / T^2)
    g, t = 1.5, torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    z = torch.tensor([[0.0, g]], dtype=torch.float64)
    loss = ca.correctness_aware_loss(z / t, torch.tensor([0]), balanced=False)
    loss.backward()
    c = torch.sigmoid(torch.tensor(g / 2.0, dtype=torch.float64)).item()
    assert t.grad.item() == pytest.approx(2 * c * c * (1 - c) * (-g / 4.0))
    assert t.grad.item() < 0  # raising T lowers the wrong prediction's confidence


def test_ce_and_ca_pull_a_narrow_mistake_in_opposite_directions():
    # Wrong prediction whose true class is a close second, among 10 classes: at T = 2 the NLL
    # gradient asks for a *smaller* temperature (sharper softmax: the wrong top class gains
    # confidence too), while CA asks for a larger one (less confidence on a mistake).
    z = torch.tensor([[2.0, 1.9] + [-5.0] * 8], dtype=torch.float64)
    y = torch.tensor([1])
    grads = {}
    for name in ("ce", "ca"):
        t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
        loss = ca.objective(name)(z / t, y)
        loss.backward()
        grads[name] = t.grad.item()
    assert grads["ce"] > 0 and grads["ca"] < 0


def test_brier_loss():
    z = torch.tensor([[0.0, 0.0]])
    assert ca.brier_loss(z, torch.tensor([0])).item() == pytest.approx(0.25 + 0.25)
    with pytest.raises(ValueError):
        ca.objective("focal")


def test_view_features_shape_and_values():
    z = torch.tensor([[3.0, 1.0, 2.0, 0.0]])
    v = torch.tensor([[0.0, 0.0, 0.0, 0.0]])
    f = ca.view_features(z, [v, z], k=2)
    assert f.shape == (1, 4)
    p = F.softmax(z, -1)[0]
    assert torch.allclose(f, torch.tensor([[0.25, 0.25, p[0].item(), p[2].item()]]))


def test_calibrators_start_at_identity_and_keep_argmax():
    torch.manual_seed(0)
    z = torch.randn(5, 3)
    inp = torch.cat([z, torch.rand(5, 4)], 1)
    for m in (ca.SampleTemperature(3, 4), ca.GlobalTemperature(3)):
        out = m(inp)
        assert torch.allclose(out, z, atol=1e-6)
    m = ca.SampleTemperature(3, 4)
    torch.nn.init.normal_(m.net[2].weight)
    out = m(inp)
    assert torch.equal(out.argmax(1), z.argmax(1))
    assert (m.temperature(inp[:, 3:]) > 0).all()


def test_image_transforms():
    im = np.zeros((1, 8, 8))
    im[0, 2, 3] = 1.0
    assert ca.translate(im, 1, 2)[0, 3, 5] == 1.0 and ca.translate(im, 1, 2).sum() == 1.0
    assert ca.translate(im, -3, 0).sum() == 0.0  # pushed out of the frame
    assert np.allclose(ca.rotate(im, 0.0), im)
    r = ca.rotate(im, 90.0)
    assert any(np.allclose(r, np.rot90(im, k, axes=(1, 2)), atol=1e-9) for k in (1, -1))
    b = ca.blur(im, 1.0)
    assert b.max() < 1.0 and b.sum() <= 1.0 + 1e-9
    n = ca.add_noise(np.full((2, 8, 8), 15.0), 5.0, np.random.default_rng(0))
    assert n.min() >= 0.0 and n.max() <= 16.0
