"""Evaluation: precision, recall and F1 of predicted links against known true links."""
from __future__ import annotations

from typing import Iterable


def pair_metrics(predicted: Iterable[tuple], truth: Iterable[tuple]) -> dict:
    """Precision, recall, F1 and counts for two sets of (left, right) keys."""
    pred, true = set(predicted), set(truth)
    tp = len(pred & true)
    precision = tp / len(pred) if pred else 1.0
    recall = tp / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_positives": tp,
            "predicted": len(pred), "true": len(true)}
