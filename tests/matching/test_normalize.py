"""Names become simplified, spaceless pinyin keys that agree on surnames, homophones and 繁体."""
import pytest

from matching.normalize import (
    clean_name, name_pinyin, name_readings, readable_alike, readings_overlap, region_short,
    split_name,
    surname_pinyin,
)


@pytest.mark.parametrize("name, reading", [
    ("曾伟", "zeng"), ("单丽", "shan"), ("解玮", "xie"), ("仇莉", "qiu"), ("翟强", "zhai"),
    ("朴明", "piao"), ("欧阳娜娜", "ouyang"),
])
def test_surnames_are_read_as_surnames_not_by_default_reading(name, reading):
    assert surname_pinyin(name) == reading
    assert name_pinyin(name).startswith(reading)


@pytest.mark.parametrize("a, b", [("单丽", "单莉"), ("曾伟", "曾玮"), ("张伟", "张玮"), ("王丽", "王莉")])
def test_homophones_share_a_pinyin_key(a, b):
    assert a != b
    assert name_pinyin(a) == name_pinyin(b)


def test_traditional_characters_spaces_and_middle_dots_are_normalized():
    assert clean_name("陳 麗") == "陈丽"
    assert clean_name("張　偉") == "张伟"
    assert clean_name("阿依·古丽") == "阿依古丽"
    assert name_pinyin("陳麗") == name_pinyin("陈丽") == "chenli"


def test_compound_surnames_are_split_whole():
    assert split_name("欧阳娜娜") == ("欧阳", "娜娜")
    assert split_name("张伟") == ("张", "伟")


def test_heteronym_readings_overlap_where_default_readings_differ():
    # 乐 reads le or yue; 悦 reads yue: the default pinyin differs, the reading sets meet.
    assert name_pinyin("张乐") != name_pinyin("张悦")
    assert readings_overlap(name_readings("张乐"), name_readings("张悦"))
    assert not readings_overlap(name_readings("张乐"), name_readings("张强"))
    assert not readings_overlap(name_readings("张乐"), name_readings("张乐乐"))


def test_readable_alike_answers_readings_overlap_for_every_pair():
    import numpy as np

    names = np.array(["张乐", "张悦", "张强", "张乐乐", "曾伟", "单月", "欧阳明"], dtype=object)
    lc, rc = np.divmod(np.arange(len(names) ** 2), len(names))
    want = [readings_overlap(name_readings(names[a]), name_readings(names[b])) for a, b in zip(lc, rc)]
    assert readable_alike(names, lc, rc).tolist() == want
    assert any(want) and not all(want)


@pytest.mark.parametrize("raw, short", [("龙河镇", "龙河"), ("三合街道", "三合"), ("三合", "三合"),
                                        ("白鹤乡", "白鹤"), ("东风社区", "东风"), ("石桥村", "石桥")])
def test_region_suffixes_are_dropped(raw, short):
    assert region_short(raw) == short


def test_blank_names_give_empty_keys():
    assert clean_name(None) == "" and name_pinyin("") == "" and surname_pinyin(None) == ""
