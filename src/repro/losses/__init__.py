"""The book's loss library: every loss used by a chapter, one module per family.

Each loss takes raw network outputs (logits) and integer labels and documents the paper and
equation it implements; ``tests/test_losses*.py`` check limiting cases and gradients.

* :mod:`repro.losses.spherical`: cross-entropy, MSE, log-Taylor softmax and the Z-loss
  (de Brebisson & Vincent, 2016), re-exported here;
* :mod:`repro.losses.elr`: early-learning regularisation for noisy labels (Liu et al., 2020).
"""
from repro.losses.reduction import reduce
from repro.losses.spherical import (LOSSES, SPHERICAL, cross_entropy, log_taylor_softmax_loss,
                                    make_loss, mse_onehot, spherical_stats, taylor_softmax, z_bound,
                                    z_loss, z_loss_from_stats, z_loss_grad, z_normalize)

__all__ = ["LOSSES", "SPHERICAL", "cross_entropy", "log_taylor_softmax_loss", "make_loss",
           "mse_onehot", "reduce", "spherical_stats", "taylor_softmax", "z_bound", "z_loss",
           "z_loss_from_stats", "z_loss_grad", "z_normalize"]
