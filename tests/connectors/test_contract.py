"""Contracts are data: headers compare loosely, declarations are checked."""
import pytest

from connectors.contract import Contract, Field, header_key, required


@pytest.mark.parametrize("written", ["医疗总费用", " 医疗总费用 ", "\ufeff医疗总费用", "医疗总费用（元）",
                                     "医疗总费用(元)", "医 疗 总 费 用", "医疗总费用：", "医疗总费用*"])
def test_header_key_ignores_spaces_bom_units_and_full_width_brackets(written):
    assert header_key(written) == "医疗总费用"


def test_match_headers_maps_chinese_and_canonical_names_and_skips_extras():
    c = Contract("x", "某", "person", (required("name", "姓名", "name"),
                                        required("amount", "救助金额", "amount")))
    assert c.match_headers(["序号", "救助金额（元）", "姓名"]) == {"amount": 1, "name": 2}
    assert c.match_headers(["name", "amount"]) == {"name": 0, "amount": 1}
    assert c.score(["姓名"]) == 0.5


def test_declarations_are_checked():
    with pytest.raises(ValueError, match="unknown type"):
        Field("a", ("甲",), "money")
    with pytest.raises(ValueError, match="allowed values"):
        Field("a", ("甲",), "enum")
    with pytest.raises(ValueError, match="role"):
        Contract("x", "某", "nobody", ())
    with pytest.raises(ValueError, match="twice"):
        Contract("x", "某", "person", (required("a", "甲"), required("a", "乙")))
