"""Data Docs: a page per batch under docs_dir, never showing a resident ID or a phone."""
from __future__ import annotations

from expectations import validate_batch
from tests.expectations.conftest import good_frame, wrong_check_digit
from warehouse import identity


def _bad_registry_frame():
    frame = good_frame("registry", n=8)
    ids = list(frame["resident_id"])
    frame.loc[1, "resident_id"] = wrong_check_digit(ids[1])
    frame.loc[2, "resident_id"] = ids[2][:6] + ids[2][8:17]  # an old 15-digit number
    frame.loc[2, "id_status"] = identity.UPGRADED_15
    frame.loc[3, "resident_id"] = ids[3][:15] + "000"  # Excel's lost digits
    frame.loc[3, "id_status"] = identity.EXCEL_PRECISION
    frame.loc[4, "phone"] = "1390000567"  # malformed phone
    frame.loc[5, "phone"] = "13912345678"
    frame.loc[6, "household_type"] = "低保户"
    return frame


def test_docs_page_written_per_batch_and_lists_the_failed_checks(tmp_path):
    frame = _bad_registry_frame()
    first = validate_batch("registry", frame, docs_dir=tmp_path / "docs")
    second = validate_batch("registry", frame, docs_dir=tmp_path / "docs")
    assert first.docs_path.parent == tmp_path / "docs" and first.docs_path.suffix == ".html"
    assert first.docs_path != second.docs_path
    html = first.docs_path.read_text(encoding="utf-8")
    assert "household_type" in html and "expect_column_values_to_be_valid_resident_id" in html


def test_docs_hold_no_plaintext_id_or_phone(tmp_path):
    frame = _bad_registry_frame()
    outcome = validate_batch("registry", frame, docs_dir=tmp_path)
    assert outcome.failures  # the page shows failures, so there was something to leak
    html = outcome.docs_path.read_text(encoding="utf-8")
    secrets = [*frame["resident_id"], *frame["phone"]]
    assert [s for s in secrets if s in html] == []
    # Nor any shorter tell-tale piece: the ID body without its region.
    assert [s for s in frame["resident_id"] if s[6:14] + s[14:17] in html] == []


def test_no_docs_without_docs_dir():
    assert validate_batch("hr", good_frame("hr")).docs_path is None
