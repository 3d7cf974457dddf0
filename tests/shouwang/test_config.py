"""Settings: packaged defaults overlaid by the county's file; an old key is refused, never ignored."""
import pytest

from shouwang import config
from shouwang.core.errors import UserError


def test_a_county_file_overrides_only_the_keys_it_sets(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("feeds:\n  due_day: 12\n", encoding="utf-8")
    merged = config.settings({"SHOUWANG_CONFIG": str(path)})
    assert merged["feeds"]["due_day"] == 12
    assert merged["county"]["timezone"] == "Asia/Shanghai"  # untouched default


@pytest.mark.parametrize("text, old, new", [
    ("portal:\n  feed_due_day: 5\n", "portal.feed_due_day", "feeds.due_day"),
    ("airflow:\n  timezone: Asia/Urumqi\n", "airflow.timezone", "county.timezone"),
    ("airflow:\n  departments: [health]\n", "airflow.departments", "the contracts"),
])
def test_a_key_of_an_older_release_is_refused_with_where_it_went(tmp_path, text, old, new):
    path = tmp_path / "settings.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=rf"{old} is no longer read; it moved to .*{new}"):
        config.settings({"SHOUWANG_CONFIG": str(path)})
