"""The book's loss library: every loss used by a chapter, one module per family.

Each loss takes raw network outputs (logits, or predictions for regression) and targets,
documents the paper and equation it implements, and is tested in ``tests/test_losses_<module>.py``
(limiting cases, gradients against hand derivations, agreement with cross-entropy where the paper
says they coincide). Import a family as ``from repro.objectives import <module>``.

* :mod:`~repro.objectives.spherical`: cross-entropy, MSE, log-Taylor softmax, Z-loss (de Brebisson &
  Vincent, 2016), re-exported here;
* :mod:`~repro.objectives.elr`: early-learning regularisation for noisy labels (Liu et al., 2020);
* :mod:`~repro.objectives.ldr`: label-distributionally-robust losses LDR-KL / ALDR-KL (Zhu et al., 2023);
* :mod:`~repro.objectives.comp_sum`: comp-sum losses, CE, GCE, MAE, sum-exp and their H-consistency
  bounds (Mao et al., 2023);
* :mod:`~repro.objectives.ensloss`: stochastic ensembles of calibrated binary losses (EnsLoss);
* :mod:`~repro.objectives.anyloss`: metric losses from an approximated confusion matrix (Han et al., 2024);
* :mod:`~repro.objectives.aggregate`: bag-level, instance-level and interpolating losses for aggregate
  responses (Javanmard et al., 2024);
* :mod:`~repro.objectives.rankmixup`: RankMixup's MRL and M-NDCG calibration losses (Noh et al., 2023);
* :mod:`~repro.objectives.correctness_aware`: the correctness-aware calibration loss (Liu et al., 2024);
* :mod:`~repro.objectives.pass_at_n`: pass@N and Direct Coverage Optimization (Chen et al., 2025);
* :mod:`~repro.objectives.cauchy_schwarz`: the Cauchy-Schwarz information bottleneck for regression
  (Yu et al., 2024);
* :mod:`~repro.objectives.contrastive`: SimCLR's NT-Xent contrastive loss (Chen et al., 2020);
* :mod:`~repro.objectives.supcon`: the supervised contrastive loss SupCon (Khosla et al., 2020);
* :mod:`~repro.objectives.ssim`: SSIM and multi-scale SSIM as differentiable image losses (Snell et al.,
  2017);
* :mod:`~repro.objectives.reduction`: the shared ``reduction`` argument.
"""
from repro.objectives.reduction import reduce
from repro.objectives.spherical import (LOSSES, SPHERICAL, cross_entropy, log_taylor_softmax_loss,
                                        make_loss, mse_onehot, spherical_stats, taylor_softmax,
                                        z_bound, z_loss, z_loss_from_stats, z_loss_grad,
                                        z_normalize)

__all__ = ["LOSSES", "SPHERICAL", "cross_entropy", "log_taylor_softmax_loss", "make_loss",
           "mse_onehot", "reduce", "spherical_stats", "taylor_softmax", "z_bound", "z_loss",
           "z_loss_from_stats", "z_loss_grad", "z_normalize"]
