import numpy as np
import pytest
import torch

from repro.nn import sam
from repro.nn.training import train


def test_sam_step_on_quadratic_matches_hand_computation():
    # L(w) = 0.5 w^T A w, g(w) = A w; SAM: w' = w - lr * A (w + rho * A w / ||A w||)
    A = torch.tensor([[2.0, 0.0], [0.0, 0.5]], dtype=torch.float64)
    w0 = torch.tensor([1.0, -2.0], dtype=torch.float64)
    w = torch.nn.Parameter(w0.clone())
    opt = sam.SAM([w], torch.optim.SGD, rho=0.1, lr=0.3)

    def closure():
        opt.zero_grad()
        loss = 0.5 * w @ A @ w
        loss.backward()
        return loss

    loss = opt.step(closure)
    g = np.array([2.0, -1.0])                        # A w0
    e = 0.1 * g / np.sqrt(5.0)                       # ||g|| = sqrt(5)
    expected = np.array([1.0, -2.0]) - 0.3 * np.diag([2.0, 0.5]) @ (np.array([1.0, -2.0]) + e)
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-12)
    assert loss.item() == pytest.approx(0.5 * (2 * 1 + 0.5 * 4))


def test_rho_zero_is_plain_sgd_and_sam_differs():
    torch.manual_seed(0)
    X, y = torch.randn(40, 3), torch.randn(40, 1)
    outs = []
    for rho, wrap in ((0.0, False), (0.0, True), (0.2, True)):
        torch.manual_seed(1)
        model = torch.nn.Linear(3, 1)
        opt = (sam.SAM(model.parameters(), torch.optim.SGD, rho=rho, lr=0.1) if wrap
               else sam.sgd(model.parameters(), rho=rho, lr=0.1))
        train(model, torch.nn.functional.mse_loss, X, y, epochs=3, batch_size=8, optimizer=opt,
              generator=torch.Generator().manual_seed(2))
        outs.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    torch.manual_seed(1)
    ref = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(ref.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(2)
    for _ in range(3):
        perm = torch.randperm(40, generator=g)
        for i in range(0, 40, 8):
            idx = perm[i:i + 8]
            opt.zero_grad()
            torch.nn.functional.mse_loss(ref(X[idx]), y[idx]).backward()
            opt.step()
    ref_w = torch.cat([p.detach().flatten() for p in ref.parameters()])
    torch.testing.assert_close(outs[0], ref_w)
    torch.testing.assert_close(outs[1], ref_w)      # SAM with rho = 0 takes the SGD step
    assert (outs[2] - outs[0]).abs().max() > 1e-4
    assert isinstance(sam.sgd([torch.nn.Parameter(torch.zeros(1))], rho=0.1, lr=0.1), sam.SAM)


def test_sam_restores_weights_before_descent_and_rejects_bad_use():
    w = torch.nn.Parameter(torch.tensor([3.0]))
    opt = sam.SAM([w], torch.optim.SGD, rho=0.5, lr=0.0)   # lr = 0: the step must not move w
    opt.step(lambda: (opt.zero_grad(), (w ** 2).sum().backward(), (w ** 2).sum())[-1])
    assert w.item() == pytest.approx(3.0)
    with pytest.raises(ValueError):
        opt.step()
    with pytest.raises(ValueError):
        sam.SAM([w], torch.optim.SGD, rho=-1.0, lr=0.1)
