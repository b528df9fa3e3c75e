"""AnyLoss: confusion-matrix metrics turned into differentiable losses (binary classification).

Han, Moniz & Chawla, "AnyLoss: Transforming Classification Metrics into Loss Functions",
KDD 2024 (arXiv:2405.14745); authors' code: https://github.com/doheonhan/anyloss.

The network outputs one logit z_i per example, p_i = sigmoid(z_i). The approximation function
(paper Eq. 1)

    A(p) = 1 / (1 + exp(-L (p - 0.5)))          (L > 0; the paper uses L = 73)

pushes p_i towards 0 or 1, so that the *soft confusion matrix* (paper Eq. 2), with a_i = A(p_i),

    TP = sum y_i a_i,  FN = sum y_i (1 - a_i),  FP = sum (1 - y_i) a_i,  TN = sum (1 - y_i)(1 - a_i),

is close to the confusion matrix of the thresholded predictions (threshold 0.5) while staying
differentiable. Any metric of the four entries then gives a loss, ``1 - metric`` (paper Sec. 3.3:
accuracy, F-beta, geometric mean, balanced accuracy). The loss is a property of a whole batch, not a
mean of per-example terms, so it takes no ``reduction`` argument; use large batches.
"""
from __future__ import annotations

import torch

DEFAULT_L = 73.0


def amplify(p: torch.Tensor, L: float = DEFAULT_L) -> torch.Tensor:
    """The approximation function A(p) = sigmoid(L (p - 0.5)) (paper Eq. 1)."""
    return torch.sigmoid(L * (p - 0.5))


def _counts(a: torch.Tensor, y: torch.Tensor):
    """``(tn, fp, fn, tp)`` summed over the last axis from soft or hard positive predictions ``a``."""
    y = y.to(a.dtype)
    tp = (y * a).sum(-1)
    fn = y.sum(-1) - tp
    fp = a.sum(-1) - tp
    tn = a.shape[-1] - tp - fn - fp
    return tn, fp, fn, tp


def soft_confusion(logits: torch.Tensor, y: torch.Tensor, L: float = DEFAULT_L):
    """``(tn, fp, fn, tp)`` of the amplified probabilities (paper Eq. 2); ``y`` in {0, 1}.

    Sums run over the last axis, so a batch of independent problems (seeds) of shape (S, n)
    gives S confusion matrices; a trailing singleton axis of ``logits`` (one output unit) is dropped.
    """
    if logits.shape[-1] == 1 and logits.ndim == y.ndim + 1:
        logits = logits[..., 0]
    return _counts(amplify(torch.sigmoid(logits), L), y)


def hard_confusion(scores: torch.Tensor, y: torch.Tensor, threshold=0.5):
    """``(tn, fp, fn, tp)`` counts of ``scores >= threshold`` against labels ``y`` (last axis)."""
    if scores.shape[-1] == 1 and scores.ndim == y.ndim + 1:
        scores = scores[..., 0]
    return _counts((scores >= torch.as_tensor(threshold, device=scores.device)).double(), y.double())


def _div(a, b):
    """Elementwise a / b, and 0 where b == 0 (an empty row of the confusion matrix)."""
    b = torch.as_tensor(b)
    safe = torch.where(b == 0, torch.ones_like(b), b)
    return torch.where(b == 0, torch.zeros_like(a * safe), a / safe)


def accuracy(tn, fp, fn, tp):
    return _div(tp + tn, tn + fp + fn + tp)


def f_beta(tn, fp, fn, tp, beta: float = 1.0):
    """(1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP); beta = 1 is F1."""
    b2 = beta ** 2
    return _div((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)


def balanced_accuracy(tn, fp, fn, tp):
    """Mean of the true-positive and true-negative rates."""
    return 0.5 * (_div(tp, tp + fn) + _div(tn, tn + fp))


def gmean(tn, fp, fn, tp):
    """Geometric mean of the true-positive and true-negative rates."""
    return torch.sqrt(_div(tp, tp + fn) * _div(tn, tn + fp))


METRICS = {"accuracy": accuracy, "f1": f_beta, "balanced_accuracy": balanced_accuracy, "gmean": gmean}


def metric(name: str, tn, fp, fn, tp, beta: float = 1.0):
    """Value of metric ``name`` (a key of :data:`METRICS`, or ``"fbeta"``) from a confusion matrix."""
    if name == "fbeta":
        return f_beta(tn, fp, fn, tp, beta)
    if name not in METRICS:
        raise ValueError(f"metric={name!r}; choose one of {sorted(METRICS) + ['fbeta']}")
    return METRICS[name](tn, fp, fn, tp)


def anyloss(logits: torch.Tensor, y: torch.Tensor, name: str = "f1", L: float = DEFAULT_L,
            beta: float = 1.0) -> torch.Tensor:
    """AnyLoss = 1 - metric(soft confusion matrix) over the whole batch (paper Sec. 3).

    For (S, n) inputs (S independent problems) the S losses are summed, so that each problem's
    parameters receive the gradient of its own loss.
    """
    return (1.0 - metric(name, *soft_confusion(logits, y, L), beta=beta)).sum()


class AnyLoss:
    """``AnyLoss("f1")(logits, y)``: callable form for :func:`repro.nn.training.train`."""

    def __init__(self, name: str = "f1", L: float = DEFAULT_L, beta: float = 1.0):
        metric(name, *(torch.tensor(1.0),) * 4, beta=beta)  # validates the name
        if L <= 0:
            raise ValueError(f"L must be > 0, got {L}")
        self.name, self.L, self.beta = name, float(L), float(beta)

    def __call__(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return anyloss(logits, y, self.name, self.L, self.beta)


def f1_logit_grad(logits: torch.Tensor, y: torch.Tensor, L: float = DEFAULT_L) -> torch.Tensor:
    """Hand-derived gradient of the F1 AnyLoss w.r.t. the logits (checked against autograd).

    With S = sum y + sum a and TP = sum y a:  d(1 - 2 TP / S)/da_i = -2 (y_i S - TP) / S^2,
    da/dp = L a (1 - a) and dp/dz = p (1 - p).
    """
    z = logits.reshape(-1)
    y = y.reshape(-1).to(z.dtype)
    p = torch.sigmoid(z)
    a = amplify(p, L)
    s, tp = y.sum() + a.sum(), (y * a).sum()
    return (-2 * (y * s - tp) / s ** 2 * L * a * (1 - a) * p * (1 - p)).reshape(logits.shape)


class SeedBatchedMLP(torch.nn.Module):
    """S independent one-hidden-layer MLPs (one logit each) evaluated in one batched call.

    Generic helper (not specific to AnyLoss): it lets the shared loop :func:`repro.nn.training.train`
    train one model per seed at once, full-batch. Inputs have shape (S, n, d + 1) whose last feature
    is the seed's row index in the batch, so the loop may permute the seed axis freely; the output
    is (S, n). Each sub-network is initialised like ``torch.nn.Linear`` (uniform in
    +-1/sqrt(fan_in)); because Adam acts elementwise and the losses are summed over seeds, training
    them together is the same as training each alone. ``hidden=0`` gives S logistic models.
    """

    def __init__(self, n_models: int, in_dim: int, hidden: int, generator: torch.Generator | None = None):
        super().__init__()

        def uniform(*shape, fan_in):
            return torch.nn.Parameter((torch.rand(*shape, generator=generator) * 2 - 1) / fan_in ** 0.5)

        self.hidden = hidden
        if hidden:
            self.w1, self.b1 = uniform(n_models, in_dim, hidden, fan_in=in_dim), uniform(n_models, 1, hidden, fan_in=in_dim)
            out_in = hidden
        else:
            out_in = in_dim
        self.w2, self.b2 = uniform(n_models, out_in, 1, fan_in=out_in), uniform(n_models, 1, 1, fan_in=out_in)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        ids = X[:, 0, -1].long()
        h = X[..., :-1]
        if self.hidden:
            h = torch.relu(torch.bmm(h, self.w1[ids]) + self.b1[ids])
        return (torch.bmm(h, self.w2[ids]) + self.b2[ids])[..., 0]


def with_seed_index(X: torch.Tensor) -> torch.Tensor:
    """Append the seed index (position on axis 0) as a last feature, for :class:`SeedBatchedMLP`."""
    S, n, _ = X.shape
    ids = torch.arange(S, dtype=X.dtype, device=X.device)[:, None, None].expand(S, n, 1)
    return torch.cat([X, ids], -1)


def best_threshold(scores: torch.Tensor, y: torch.Tensor, name: str = "f1") -> float:
    """Threshold on ``scores`` that maximises metric ``name`` (ties: the smallest), among the scores."""
    candidates = torch.unique(scores.reshape(-1))
    values = torch.stack([torch.as_tensor(metric(name, *hard_confusion(scores, y, float(t))), dtype=torch.float64)
                          for t in candidates])
    return float(candidates[int(torch.argmax(values))])
