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
])
def test_bad_specs_raise_with_the_fix(bad, message):
    with pytest.raises(ValueError, match=message):
        LinkageSpec.from_dict({**SPEC, **bad})


def test_person_spec_takes_bands_from_settings():
    spec = person_spec({"matching": {"auto_threshold": 0.97, "review_threshold": 0.6}})
    assert (spec.auto_threshold, spec.review_threshold) == (0.97, 0.6)
    assert any(r.columns == ("id_index",) for r in spec.blocking_rules)
