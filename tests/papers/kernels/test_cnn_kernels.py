import numpy as np
import pytest
import torch

from repro.gp.nn_kernels import nngp_ntk
from repro.papers.kernels import cnn_kernels as ck


def test_arccos_kernels_limiting_values():
    t = np.array([-1.0, 0.0, 1.0])
    assert np.allclose(ck.k0(t), [0.0, 0.5, 1.0])
    assert np.allclose(ck.k1(t), [0.0, 1 / np.pi, 1.0])
    k0t, k1t = ck._arccos_pair(np.linspace(-1, 1, 7))
    assert np.allclose(k0t, ck.k0(np.linspace(-1, 1, 7))) and np.allclose(k1t, ck.k1(np.linspace(-1, 1, 7)))


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_fc_kernels_match_nn_kernels(depth):
    # nn_kernels scales the first layer by sw2/d: inputs of norm sqrt(d/2) give unit cosines
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 8))
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    sig, th = ck.fc_kernels(X, X, depth)
    ref_sig, ref_th = nngp_ntk(Xn * np.sqrt(8 / 2), Xn * np.sqrt(8 / 2), depth, "relu", sw2=2.0, sb2=0.0)
    assert np.allclose(sig, ref_sig) and np.allclose(th, ref_th)


def test_one_layer_local_kernel_is_mean_of_patch_kernels():
    rng = np.random.default_rng(1)
    X = ck.sample_patch_spheres(rng, 5, 6, 3)
    Y = ck.sample_patch_spheres(rng, 4, 6, 3)
    sig, th = ck.cnn_kernels(X, Y, [3])
    parts = [ck.fc_kernels(X[:, 3 * p:3 * p + 3], Y[:, 3 * p:3 * p + 3], 1) for p in range(2)]
    assert np.allclose(sig, np.mean([s for s, _ in parts], 0))
    assert np.allclose(th, np.mean([t for _, t in parts], 0))


def test_diagonal_values_and_bad_filters():
    X = ck.sample_patch_spheres(np.random.default_rng(2), 3, 8, 2)
    sig, th = ck.cnn_kernels(X, X, [2, 2, 2])
    assert np.allclose(np.diag(sig), 1.0) and np.allclose(np.diag(th), 4.0)  # NTK diag = depth + 1
    assert np.allclose(np.linalg.norm(X.reshape(3, 4, 2), axis=-1), 1.0)
    with pytest.raises(ValueError):
        ck.cnn_kernels(X, X, [3])
    with pytest.raises(ValueError):
        ck.cnn_kernels(X, X, [2, 0])


def _wide_tree_cnn_features(X, H, rng):
    """Last hidden layer of a random tree CNN [2, 2, 2] on d = 8 (weights independent per filter offset)."""
    P = X.shape[1] // 2
    W1 = rng.standard_normal((H, 2))
    h = [np.sqrt(2) * np.maximum(X[:, 2 * p:2 * p + 2] @ W1.T, 0) for p in range(P)]
    while len(h) > 1:
        Wa, Wb = rng.standard_normal((H, H)), rng.standard_normal((H, H))
        h = [np.sqrt(2) * np.maximum((h[i] @ Wa.T + h[i + 1] @ Wb.T) / np.sqrt(2 * H), 0)
             for i in range(0, len(h), 2)]
    return h[0]


def test_nngp_matches_wide_random_network():
    rng = np.random.default_rng(3)
    X = ck.sample_patch_spheres(rng, 4, 8, 2)
    emp = np.mean([F @ F.T / F.shape[1] for F in (_wide_tree_cnn_features(X, 2000, rng) for _ in range(4))], 0)
    sig, _ = ck.cnn_kernels(X, X, [2, 2, 2])
    assert np.abs(emp - sig).max() < 0.06
    corr = emp / np.sqrt(np.outer(np.diag(emp), np.diag(emp)))
    assert np.abs(corr - sig).max() < 0.04


def test_ntk_matches_wide_random_network():
    torch.manual_seed(0)
    H = 1500
    X = torch.tensor(ck.sample_patch_spheres(np.random.default_rng(4), 3, 4, 2))
    W1 = torch.randn(H, 2, dtype=torch.float64, requires_grad=True)
    Wa = torch.randn(H, H, dtype=torch.float64, requires_grad=True)
    Wb = torch.randn(H, H, dtype=torch.float64, requires_grad=True)
    a = torch.randn(H, dtype=torch.float64, requires_grad=True)
    params = [W1, Wa, Wb, a]

    def f(x):  # tree CNN [2, 2] on d = 4, NTK parametrisation, independent readout
        h1 = [np.sqrt(2) * torch.relu(W1 @ x[2 * p:2 * p + 2]) for p in range(2)]
        h2 = np.sqrt(2) * torch.relu((Wa @ h1[0] + Wb @ h1[1]) / np.sqrt(2 * H))
        return a @ h2 / np.sqrt(H)

    grads = [torch.cat([g.reshape(-1) for g in torch.autograd.grad(f(x), params)]) for x in X]
    emp = torch.stack(grads) @ torch.stack(grads).T
    _, th = ck.cnn_kernels(X.numpy(), X.numpy(), [2, 2])
    assert np.allclose(emp.detach().numpy(), th, rtol=0.1, atol=0.1)


def test_torus_spectrum_is_the_fourier_expansion_of_the_kernel():
    P, G = 2, 16
    lam = ck.torus_spectrum([2, 2], P, G)
    assert lam.shape == (G ** P,) and lam.min() >= 0
    # sum of eigenvalues = kernel at zero separation = NTK diagonal (depth + 1)
    assert np.isclose(lam.sum(), 3.0, rtol=1e-8)
    # the constant mode carries the kernel's mean over the torus; compare with a Gram-matrix mean
    rng = np.random.default_rng(5)
    X = ck.sample_patch_spheres(rng, 3000, 4, 2)
    _, th = ck.cnn_kernels(X[:1500], X[1500:], [2, 2])
    assert abs(th.mean() - lam[0]) < 0.03
    # one patch: the CNN and FC kernels coincide, so do their spectra
    assert np.allclose(ck.torus_spectrum([2, 1], 1, 64), ck.torus_spectrum([2, 1], 1, 64, fc=True))


def test_gaussian_field_has_the_kernel_covariance():
    rng = np.random.default_rng(6)
    X = ck.sample_patch_spheres(rng, 4, 4, 2)
    _, K = ck.cnn_kernels(X, X, [2, 2])
    Y = np.stack([ck.gaussian_field(rng, K) for _ in range(20000)])
    assert np.abs(np.cov(Y.T) - K).max() < 0.1
