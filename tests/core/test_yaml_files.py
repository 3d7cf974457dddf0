"""The one reader of an operator's YAML mapping: errors name the file and say what to fix."""
import pytest

from shouwang.core.yaml_files import read_mapping


class Broken(Exception):
    """The caller's own error class, as rules and calendar pass theirs."""


def test_a_mapping_is_read_and_an_empty_file_is_empty(tmp_path):
    (tmp_path / "a.yaml").write_text("clocks:\n  verify: {working_days: 5}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("", encoding="utf-8")
    assert read_mapping(tmp_path / "a.yaml", Broken) == {"clocks": {"verify": {"working_days": 5}}}
    assert read_mapping(tmp_path / "b.yaml", Broken) == {}


@pytest.mark.parametrize("text,message", [
    ("clocks: [\n", "(?s)not valid YAML .*fix the file and rerun"),
    ("- verify\n- closure\n", "expected a mapping .*fix the file"),
    ("规则\n", "expected a mapping"),
])
def test_a_broken_file_raises_the_callers_error_naming_it(tmp_path, text, message):
    path = tmp_path / "county.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Broken, match=message) as err:
        read_mapping(path, Broken)
    assert str(path) in str(err.value)
