"""Cauchy-Schwarz (CS) divergence information bottleneck for regression (Yu et al., ICLR 2024).

The CS divergence of two densities is ``D_CS(p, q) = -log( (int p q)^2 / (int p^2 int q^2) )``
(>= 0 by the Cauchy-Schwarz inequality, 0 iff p = q). With Gaussian kernel (Parzen) estimates every
integral becomes a sum of Gram-matrix entries, so no variational bound or Gaussian likelihood is
needed. CS-IB trains an encoder ``t = f(x)`` and a decoder ``y_hat = g(t)`` on

    D_CS( p(y | x) || q(y_hat | x) ) + beta * I_CS(x; t)                      (paper, Eq. 9)

* the prediction term is the *conditional* CS divergence between the true and the predicted
  conditional densities of the response, estimated from a batch by (paper, Eq. 18)

      log sum_j (sum_i K_ji L_ji / sum_i K_ji^2) + log sum_j (sum_i K_ji P_ji / sum_i K_ji^2)
      - 2 log sum_j (sum_i K_ji C_ji / sum_i K_ji^2),

  with ``K`` the Gram matrix of the inputs, ``L`` of the responses, ``P`` of the predictions and
  ``C_ji = k(y_hat_j - y_i)`` the cross Gram matrix;
* the compression term is the CS quadratic mutual information between inputs and codes (Eq. 11),

      I_CS(x; t) = log(mean(Kx * Kt)) + log(mean(Kx) mean(Kt)) - 2 log(mean(Kx @ Kt) ),

  used, as in the authors' code, normalised by sqrt(I_CS(x; x) I_CS(t; t)).

Natural logarithms throughout (the authors' code uses log2; this only rescales beta).

This module implements Eq. 18 as the paper writes it: the responses of a batch are ``B`` points in
one dimension, so ``L``, ``P`` and ``C`` are ``B x B`` Gram matrices of *pairs* of responses (1-D
responses are reshaped to ``(B, 1)``). The authors' California-housing script differs: it passes
the responses and the (squeezed) predictions as 1-D tensors of length ``B`` to a Gram routine
that reads each as *one* ``B``-dimensional point. Every entry of its ``L`` and ``P`` is then 1 and
every entry of ``C`` is ``exp(-|y - y_hat|^2 / (2 sigma^2))``, the input Gram matrix cancels, and
the prediction term becomes ``|y - y_hat|^2 / sigma^2`` (divided by ``ln 2`` in their bits): the
batch's *sum of squared errors*, not a CS divergence. :func:`flattened_response_divergence`
computes that quantity, for comparison only. Their script also trains once for each ``beta`` of a
grid from 0 to 1 (the ``--beta`` default of 0.01 is never used) and keeps each run's best *test*
RMSE over the epochs.
"""
from __future__ import annotations

import torch


def gaussian_gram(a: torch.Tensor, b: torch.Tensor, sigma: float) -> torch.Tensor:
    """``exp(-|a_i - b_j|^2 / (2 sigma^2))`` for rows of ``a`` (n, d) and ``b`` (m, d)."""
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return torch.exp(-torch.cdist(a, b).pow(2) / (2 * sigma**2))


def conditional_cs_divergence(x: torch.Tensor, y: torch.Tensor, y_hat: torch.Tensor,
                              sigma: float = 1.0) -> torch.Tensor:
    """Estimate of D_CS(p(y | x) || q(y_hat | x)) from one batch (Eq. 18); 0 when y_hat == y."""
    K = gaussian_gram(x, x, sigma)
    norm = (K * K).sum(0)                                   # sum_i K_ji^2, one per column j

    def term(G):
        return torch.log(((K * G).sum(0) / norm).sum())

    return (term(gaussian_gram(y, y, sigma)) + term(gaussian_gram(y_hat, y_hat, sigma))
            - 2 * term(gaussian_gram(y, y_hat, sigma)))


def flattened_response_divergence(x: torch.Tensor, y: torch.Tensor, y_hat: torch.Tensor,
                                  sigma: float = 1.0) -> torch.Tensor:
    """Eq. 18 with the batch's responses read as ONE ``B``-dimensional point each (not ``B`` points).

    This is what the authors' housing script computes with 1-D ``y`` and ``y_hat``: the response
    Gram matrices are constant (``L = P = 1``, ``C = exp(-|y - y_hat|^2 / (2 sigma^2))``), so the
    result equals ``|y - y_hat|^2 / sigma^2``, the sum of squared errors, whatever ``x``. Natural
    log (their log2 divides it by ``ln 2``). For comparison only; the chapters use
    :func:`conditional_cs_divergence`.
    """
    K = gaussian_gram(x, x, sigma)
    norm = (K * K).sum(0)
    ones = torch.ones_like(K)
    c = gaussian_gram(y.reshape(1, -1), y_hat.reshape(1, -1), sigma)  # one number, (1, 1)

    def term(G):
        return torch.log(((K * G).sum(0) / norm).sum())

    return term(ones) + term(ones) - 2 * term(c * ones)


def cs_qmi(x: torch.Tensor, t: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """CS quadratic mutual information I_CS(x; t) (Eq. 11); >= 0, and 0 if t is constant."""
    Kx, Kt = gaussian_gram(x, x, sigma), gaussian_gram(t, t, sigma)
    n = len(Kx)
    joint = (Kx * Kt).mean()
    marginals = Kx.mean() * Kt.mean()
    cross = (Kx.sum(0) @ Kt.sum(1)) / n**3
    return torch.log(joint) + torch.log(marginals) - 2 * torch.log(cross)


def cs_qmi_normalized(x: torch.Tensor, t: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """I_CS(x; t) / sqrt(I_CS(x; x) I_CS(t; t)), the compression term of the authors' code."""
    return cs_qmi(x, t, sigma) / torch.sqrt(cs_qmi(x, x, sigma) * cs_qmi(t, t, sigma))


def cs_ib_loss(x: torch.Tensor, y: torch.Tensor, y_hat: torch.Tensor, t: torch.Tensor,
               beta: float, sigma: float = 1.0) -> torch.Tensor:
    """The CS-IB objective (Eq. 9): conditional CS divergence + beta * normalised CS-QMI."""
    loss = conditional_cs_divergence(x, y.reshape(len(y), -1), y_hat.reshape(len(y_hat), -1), sigma)
    if beta:
        loss = loss + beta * cs_qmi_normalized(x, t, sigma)
    return loss
