"""Calibration and selective-prediction metrics.

ECE (Guo et al. 2017): sum_b |B_b|/n * |acc(B_b) - conf(B_b)| over confidence bins, with
equal-width bins or adaptive (equal-mass) bins (Nixon et al. 2019). AURC (Geifman et al. 2019):
the area under the risk-coverage curve when predictions are accepted in order of confidence.
"""
from __future__ import annotations

import numpy as np


def _bins(conf: np.ndarray, n_bins: int, adaptive: bool) -> np.ndarray:
    """Bin index of each confidence."""
    if adaptive:
        order = np.argsort(conf, kind="stable")
        idx = np.empty(len(conf), dtype=int)
        idx[order] = np.minimum(np.arange(len(conf)) * n_bins // len(conf), n_bins - 1)
        return idx
    return np.minimum((conf * n_bins).astype(int), n_bins - 1)


def reliability(probs: np.ndarray, labels: np.ndarray, n_bins: int = 15, adaptive: bool = False):
    """Per-bin mean confidence, accuracy and count of the top-class predictions."""
    probs, labels = np.asarray(probs, float), np.asarray(labels)
    conf, pred = probs.max(1), probs.argmax(1)
    correct = (pred == labels).astype(float)
    b = _bins(conf, n_bins, adaptive)
    count = np.bincount(b, minlength=n_bins)
    safe = np.maximum(count, 1)
    return (np.bincount(b, conf, n_bins) / safe, np.bincount(b, correct, n_bins) / safe, count)


def ece(probs: np.ndarray, labels: np.ndarray, n_bins: int = 15, adaptive: bool = False) -> float:
    """Expected calibration error of the top-class confidence."""
    conf, acc, count = reliability(probs, labels, n_bins, adaptive)
    return float(np.sum(count / count.sum() * np.abs(acc - conf)))


def aurc(confidence: np.ndarray, correct: np.ndarray) -> float:
    """Area under the risk-coverage curve (lower is better); ties in confidence are averaged."""
    confidence, err = np.asarray(confidence, float), 1.0 - np.asarray(correct, float)
    order = np.argsort(-confidence, kind="stable")
    risks = np.cumsum(err[order]) / np.arange(1, len(err) + 1)
    return float(risks.mean())


def plot_reliability(ax, probs, labels, n_bins: int = 15, label: str = ""):
    """Reliability diagram: accuracy against confidence per bin, with the diagonal."""
    conf, acc, count = reliability(probs, labels, n_bins)
    keep = count > 0
    ax.plot([0, 1], [0, 1], ":", color="gray")
    ax.plot(conf[keep], acc[keep], "o-", label=label)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    return ax
