"""The linkage spec loads from a dict or YAML and says what is wrong with a bad one."""
import pytest

from matching.blocking import BlockOn
from matching.comparisons import JaroWinklerAtThresholds
from matching.person_frames import person_spec
from matching.settings import LinkageSpec

SPEC = {"blocking_rules": [["surname"], {"columns": ["a", "b"], "right_columns": ["b", "a"]}],
        "comparisons": [{"type": "jaro_winkler_at_thresholds", "column": "surname",
                         "thresholds": [0.8, 0.95]}],
        "one_to_one": "both"}


def test_spec_from_dict_and_yaml_agree(tmp_path):
    import yaml

    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(SPEC, allow_unicode=True), encoding="utf-8")
    for spec in (LinkageSpec.from_dict(SPEC), LinkageSpec.from_yaml(path)):
        assert spec.blocking_rules == [BlockOn(("surname",)), BlockOn(("a", "b"), ("b", "a"))]
        comp = spec.comparisons[0]
        assert isinstance(comp, JaroWinklerAtThresholds) and comp.thresholds == (0.95, 0.8)
        assert spec.one_to_one == "both"


@pytest.mark.parametrize("bad, message", [
    ({"one_to_one": "many"}, "one_to_one"),
    ({"auto_threshold": 0.4, "review_threshold": 0.6}, "thresholds"),
    ({"treshold": 0.4}, "unknown linkage spec keys"),
    ({"max_block_pairs": 0}, "max_block_pairs"),
    ({"chunk_pairs": 0}, "chunk_pairs must be a positive"),
    ({"memory_pairs": -1}, "memory_pairs must be a number of pairs"),
])
def test_bad_specs_raise_with_the_fix(bad, message):
    with pytest.raises(ValueError, match=message):
        LinkageSpec.from_dict({**SPEC, **bad})


def test_person_spec_takes_bands_from_settings():
    spec = person_spec({"matching": {"auto_threshold": 0.97, "review_threshold": 0.6,
                                     "memory_pairs": 5}})
    assert (spec.auto_threshold, spec.review_threshold) == (0.97, 0.6)
    assert spec.memory_pairs == 5
    assert any(r.columns == ("id_index",) for r in spec.blocking_rules)


def test_block_limit_reaches_weaker_rules_and_the_anchor_rule_settles():
    spec = LinkageSpec.from_dict({
        "blocking_rules": [["rid"], ["rid_key"], ["surname"], {"columns": ["village"], "max_block_pairs": 9}],
        "comparisons": [{"type": "exact_match", "column": "rid"}], "em_anchor": "rid",
        "max_block_pairs": 500, "settled_skip_rules": ["rid_key"],
    })
    assert spec.blocking_rules == [
        BlockOn(("rid",), settles=True), BlockOn(("rid_key",), max_block_pairs=500, skips_settled=True),
        BlockOn(("surname",), max_block_pairs=500), BlockOn(("village",), max_block_pairs=9),
    ]
    with pytest.raises(ValueError, match="not blocking rules"):
        LinkageSpec.from_dict({**SPEC, "em_anchor": None, "settled_skip_rules": ["nope"]})
    assert person_spec({}).blocking_rules[0] == BlockOn(("id_index",))
