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
