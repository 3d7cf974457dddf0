"""The level library: every comparison is null, exact, its in-between levels, else."""
import numpy as np

from matching.comparisons import LIBRARY, ChineseNameComparison, DamerauLevenshteinAtThresholds
from matching.levels import ELSE, EXACT, Level, at_thresholds, ladder, threshold_grades

ARGS = {"swapped_columns": ("a", "b"), "chinese_name": ("n", "p"), "blind_id": ()}


def test_every_library_comparison_is_composed_as_a_ladder():
    for kind, cls in LIBRARY.items():
        if cls.adjustment:
            continue  # refines another comparison's exact level (test_term_frequency.py)
        comp = cls(*ARGS.get(kind, ("c",)))
        assert comp.levels[0].name == "exact" and comp.levels[-1] == ELSE, kind
        assert comp.levels == ladder(comp.between, exact=comp.exact_level), kind
        assert comp.describe(0).endswith("缺失") and comp.describe(len(comp.levels)).endswith("不一致")


def test_threshold_levels_are_named_and_graded_in_order():
    comp = DamerauLevenshteinAtThresholds("d", [2, 1])
    assert [lv.name for lv in comp.levels] == ["exact", "dl<=1", "dl<=2", "else"]
    assert comp.describe(3) == "d相差2个字符以内"
    scores = np.array([0, 1, 2, 5])
    exact = np.array([True, False, False, False])
    assert threshold_grades(scores, (1, 2), exact, higher=False).tolist() == [1, 2, 3, 4]
    assert at_thresholds("jw>={t}", "相似度≥{t}", [0.9]) == (Level("jw>=0.9", "相似度≥0.9"),)


def test_a_comparison_may_word_its_exact_level_its_own_way():
    assert ladder() == [EXACT, ELSE]
    assert ChineseNameComparison("n", "p").describe(1) == "姓名完全一致"
