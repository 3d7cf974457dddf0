"""Every link carries its waterfall: each field's level and weight, in data and in Chinese."""
import numpy as np

from matching.comparisons import BlindIdComparison, DateComparison, ExactMatch
from matching.explain import explain
from matching.settings import LinkageSpec
from matching.training import ModelParameters


def test_explanation_lists_levels_weights_and_words():
    spec = LinkageSpec(comparisons=[BlindIdComparison(), DateComparison("birth_date"),
                                    ExactMatch("village_key", label_zh="村")], blocking_rules=[])
    params = ModelParameters(
        m=[np.array([0.9, 0.05, 0.04, 0.01]), np.array([0.9, 0.05, 0.03, 0.02]), np.array([0.9, 0.1])],
        u=[np.array([1e-5, 1e-4, 1e-3, 0.99889]), np.array([0.01, 0.01, 0.03, 0.95]), np.array([0.2, 0.8])],
        match_rate=0.01)
    out = explain(spec, params, np.array([1, 0, 2]))
    terms = {t["comparison"]: t for t in out["terms"]}
    assert terms["id_index"]["agreed"] and terms["id_index"]["weight"] > 15
    assert terms["birth_date"]["level"] == "null" and terms["birth_date"]["weight"] == 0
    assert terms["village_key"]["level"] == "else" and terms["village_key"]["weight"] < 0
    total = out["prior_weight"] + sum(t["weight"] for t in out["terms"])
    assert abs(total - out["match_weight"]) < 0.01
    assert "身份证号一致" in out["text_zh"] and "村不一致" in out["text_zh"]
    assert "出生日期缺失" in out["text_zh"] and "匹配概率" in out["text_zh"]
