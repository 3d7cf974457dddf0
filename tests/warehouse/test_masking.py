"""Masking for people-facing output, and masking of IDs and phones inside free text."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warehouse.identity import make_id
from warehouse.masking import mask_id, mask_phone, mask_text, mask_values

ID = make_id("500230", dt.date(1990, 3, 7), 12, male=True)


def test_mask_id_keeps_region_and_last_four():
    assert mask_id(ID) == "500230********" + ID[-4:]
    assert mask_id(ID[:6] + ID[8:17]) == ID[:6] + "*****" + ID[13:17]
    assert mask_id(f" {ID[:9]} {ID[9:]} ") == mask_id(ID)
    assert mask_id("1234567890") == "**********"
    assert mask_id(None) == mask_id("") == ""


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("138-1234-5678") == "138****5678"
    assert mask_phone("12345") == "*****"
    assert mask_phone(None) == ""


def test_mask_text_finds_ids_and_phones_in_words():
    text = f"第3行 身份证号{ID}与{ID[:17].lower()}x 电话13812345678, 户编号5002301234567890123"
    masked = mask_text(text)
    assert ID not in masked and "13812345678" not in masked
    assert mask_id(ID) in masked and "138****5678" in masked
    assert "5002301234567890123" in masked, "a 19-digit household number is not an ID"


def test_mask_values_walks_nested_structures():
    detail = {"who": [ID, {"phone": "13812345678"}], "n": 3, "as_number": int(ID[:17] + "1"),
              "ok": True}
    out = mask_values(detail)
    assert out["who"][0] == mask_id(ID) and out["who"][1]["phone"] == "138****5678"
    assert out["n"] == 3 and out["ok"] is True
    assert out["as_number"] == mask_id(ID[:17] + "1")


@given(st.dates(dt.date(1930, 1, 1), dt.date(2020, 1, 1)), st.integers(0, 499), st.booleans())
def test_masked_id_never_shows_the_birth_date(born, seq, male):
    masked = mask_id(make_id("500230", born, seq, male))
    assert f"{born:%Y%m%d}" not in masked and len(masked) == 18


@pytest.mark.parametrize("value", ["", "abc", "12"])
def test_short_values_fully_hidden(value):
    assert set(mask_id(value)) <= {"*"}


def test_mask_cell_masks_what_excel_and_typists_do_to_ids_and_phones():
    from warehouse.masking import mask_cell

    spaced = f"{ID[:6]} {ID[6:14]} {ID[14:]}"
    assert ID[6:14] not in mask_cell(spaced) and mask_cell(spaced).startswith(ID[:6])
    assert mask_cell("5.00230199e+17") == "5.0023****e+17"  # Excel's view of a long number
    assert mask_cell("电话 12012345678") == "电话 120****5678"  # any 11-digit run from 1
    assert mask_cell("共计 123456 元") == "共计 123456 元"


def test_connectors_mask_source_cells_with_the_one_masking_module():
    """One copy of the PII detectors: the connector's lineage uses warehouse.masking."""
    import re

    from connectors import records
    from warehouse import masking

    assert records.mask_cell is masking.mask_cell
    own = [v for v in vars(records).values() if isinstance(v, re.Pattern)]
    assert own == []
