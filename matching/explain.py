"""Explanations: which fields agreed and how many bits each added, in data and in Chinese words."""
from __future__ import annotations

import numpy as np

from matching.settings import LinkageSpec
from matching.training import ModelParameters


def explain(spec: LinkageSpec, params: ModelParameters, levels: np.ndarray) -> dict:
    """The waterfall of one pair: prior, then each comparison's level and weight, then the total."""
    weights = params.weights()
    terms = []
    total = params.prior_weight
    for j, comp in enumerate(spec.comparisons):
        lvl = int(levels[j])
        w = 0.0 if lvl == 0 else float(weights[j][lvl - 1])
        total += w
        terms.append({
            "comparison": comp.name,
            "level": "null" if lvl == 0 else comp.levels[lvl - 1].name,
            "agreed": lvl == 1,
            "weight": round(w, 3),
            "text_zh": comp.describe(lvl),
        })
    prob = 1.0 / (1.0 + 2.0 ** (-total))
    out = {
        "prior_weight": round(params.prior_weight, 3),
        "terms": terms,
        "match_weight": round(total, 3),
        "probability": round(prob, 6),
    }
    out["text_zh"] = render_zh(out)
    return out


def render_zh(explanation: dict) -> str:
    """One line for people: 身份证号一致(+18.2)；姓名完全一致(+9.1)；… 匹配概率 99.9%."""
    # A term with no words (a term-frequency adjustment of names that differ) says nothing.
    terms = [t for t in explanation["terms"] if t["text_zh"]]
    parts = [f"{t['text_zh']}({t['weight']:+.1f})" for t in terms if t["level"] != "null"]
    missing = [t["text_zh"] for t in terms if t["level"] == "null"]
    text = "；".join(parts) or "无可比字段"
    if missing:
        text += "；" + "、".join(missing) + "(不计分)"
    return (
        f"{text}。先验{explanation['prior_weight']:+.1f}，合计{explanation['match_weight']:+.1f}，"
        f"匹配概率{explanation['probability'] * 100:.1f}%"
    )
