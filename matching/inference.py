"""Inference: match weights, probabilities and decision bands for compared pairs."""
from __future__ import annotations

import numpy as np

from matching.settings import LinkageSpec
from matching.training import ModelParameters

AUTO, REVIEW, NONE = "auto", "review", "none"


def partial_weights(params: ModelParameters, gamma: np.ndarray) -> np.ndarray:
    """(pairs × comparisons) bits each comparison adds; 0 where a side is null."""
    out = np.zeros(gamma.shape, dtype=float)
    for j, w in enumerate(params.weights()):
        table = np.concatenate([[0.0], w])
        out[:, j] = table[gamma[:, j]]
    return out


def match_weight(params: ModelParameters, gamma: np.ndarray) -> np.ndarray:
    """Prior weight plus every comparison's partial weight, in bits."""
    return params.prior_weight + partial_weights(params, gamma).sum(axis=1)


def probability(weight: np.ndarray) -> np.ndarray:
    """Match probability from a match weight in bits."""
    return 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))


def band(spec: LinkageSpec, prob: np.ndarray) -> np.ndarray:
    """auto / review / none by the spec's thresholds."""
    return np.where(
        prob >= spec.auto_threshold, AUTO, np.where(prob >= spec.review_threshold, REVIEW, NONE)
    ).astype(object)
