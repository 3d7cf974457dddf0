"""Each department suite on valid frames and on frames with one planted fault per check."""
from __future__ import annotations

import re

import pytest

from expectations import reasons, validate_batch
from connectors import catalog
from expectations.suites import build, columns, parameter_names, required_columns
from tests.expectations.conftest import DEPARTMENTS, good_frame
from warehouse import identity

# (department, column, planted value, expected reason)
FAULTS = [
    ("education", "enrollment_status", "退学", reasons.NOT_IN_SET),
    ("education", "enrollment_status", None, reasons.MISSING),
    ("education", "schooling_cost", -5.0, reasons.NEGATIVE_AMOUNT),
    ("health", "disease_category", "感冒", reasons.NOT_IN_SET),
    ("health", "diagnosis_date", "1899-12-31", reasons.DATE_OUT_OF_RANGE),
    ("health", "diagnosis_date", "2999-01-01", reasons.DATE_OUT_OF_RANGE),
    ("health", "diagnosis_date", "not a date", reasons.DATE_OUT_OF_RANGE),
    ("health", "disease", "   ", reasons.MISSING),
    ("medical_insurance", "insurance_status", "已参保", reasons.NOT_IN_SET),
    ("medical_insurance", "out_of_pocket", -1.0, reasons.NEGATIVE_AMOUNT),
    ("medical_insurance", "out_of_pocket", 9999.0, reasons.AMOUNT_INCONSISTENT),
    ("medical_insurance", "total_cost", 5e9, reasons.AMOUNT_ABOVE_CEILING),
    ("housing", "grade", "E", reasons.NOT_IN_SET),
    ("housing", "occupied", "有人", reasons.NOT_IN_SET),
    ("housing", "appraisal_date", None, reasons.MISSING),
    ("water", "supply_mode", "自来水", reasons.NOT_IN_SET),
    ("water", "quality_ok", "Y", reasons.NOT_IN_SET),
    ("water", "check_date", "1850-06-01", reasons.DATE_OUT_OF_RANGE),
    ("civil_affairs", "assistance_type", "五保", reasons.NOT_IN_SET),
    ("civil_affairs", "change_type", "变更", reasons.NOT_IN_SET),
    ("civil_affairs", "household_size", 0, reasons.COUNT_OUT_OF_RANGE),
    ("civil_affairs", "amount", -100.0, reasons.NEGATIVE_AMOUNT),
    ("hr", "employment_status", "待业", reasons.NOT_IN_SET),
    ("hr", "monthly_income", 2e6, reasons.AMOUNT_ABOVE_CEILING),
    ("emergency", "disaster_type", "海啸", reasons.NOT_IN_SET),
    ("emergency", "damage", "全毁", reasons.NOT_IN_SET),
    ("emergency", "direct_loss", None, reasons.MISSING),
    ("disability", "disability_grade", "特级", reasons.NOT_IN_SET),
    ("disability", "change_type", "补办", reasons.NOT_IN_SET),
    ("disability", "change_date", "2999-01-01", reasons.DATE_OUT_OF_RANGE),
    ("police", "event_type", "失踪", reasons.NOT_IN_SET),
    ("police", "event_date", None, reasons.MISSING),
    ("agriculture", "loss_type", "歉收", reasons.NOT_IN_SET),
    ("agriculture", "claim_paid", -10.0, reasons.NEGATIVE_AMOUNT),
    ("agriculture", "claim_paid", 99000.0, reasons.AMOUNT_INCONSISTENT),
    ("agriculture", "project", None, reasons.MISSING),
    ("registry", "household_no", "12AB", reasons.BAD_FORMAT),
    ("registry", "household_type", "低保户", reasons.NOT_IN_SET),
    ("registry", "risk_status", "未知", reasons.NOT_IN_SET),
    ("registry", "relation", "朋友", reasons.NOT_IN_SET),
    ("registry", "sex", "M", reasons.NOT_IN_SET),
    ("registry", "phone", "12345", reasons.BAD_FORMAT),
    ("registry", "labour_capacity", "强", reasons.NOT_IN_SET),
    ("registry", "household_size", 99, reasons.COUNT_OUT_OF_RANGE),
    ("registry", "household_no", None, reasons.MISSING),
]


def test_every_department_has_a_suite_and_test_data():
    SUITE_DEPARTMENTS = [c.department for c in catalog.all_contracts(include_roster=True)]
    assert set(SUITE_DEPARTMENTS) == set(DEPARTMENTS)


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_good_frame_passes(department):
    frame = good_frame(department)
    outcome = validate_batch(department, frame)
    assert outcome.failures == {}
    assert outcome.success
    stats = outcome.statistics
    assert stats["rows"] == len(frame) and stats["rows_failed"] == 0
    assert stats["evaluated_expectations"] == stats["successful_expectations"] == len(stats["expectations"])


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_suite_reads_only_contract_fields(department):
    suite = build(department)
    read = set(columns(suite))
    assert read <= set(good_frame(department).columns)
    assert {"resident_id", "id_status"} <= read
    assert "id_status" in required_columns(suite)
    assert "resident_id" not in required_columns(suite)  # blank IDs are reported by id_status
    # A feed row with a usable ID and a blank name loads (issue 15); the roster still needs names.
    assert ("name" in required_columns(suite)) == (department == "registry")
    if any(c.endswith("_date") for c in read):
        assert {"earliest_date", "today"} <= parameter_names(suite)


# Fields the connectors' contracts allow blank: a blank passes, a bad value is still caught.
OPTIONAL = [
    ("medical_insurance", "out_of_pocket", -1.0, reasons.NEGATIVE_AMOUNT),
    ("civil_affairs", "household_size", 50, reasons.COUNT_OUT_OF_RANGE),
    ("education", "schooling_cost", 2e6, reasons.AMOUNT_ABOVE_CEILING),
    ("registry", "sex", "未知", reasons.NOT_IN_SET),
    ("registry", "phone", "abc", reasons.BAD_FORMAT),
]


@pytest.mark.parametrize(("department", "column", "value", "reason"), OPTIONAL)
def test_optional_field_blank_passes_bad_fails(department, column, value, reason):
    frame = good_frame(department)
    frame[column] = frame[column].astype(object)
    frame.loc[0, column] = None
    frame.loc[3, column] = value
    outcome = validate_batch(department, frame)
    assert outcome.failures == {int(frame.loc[3, "source_row"]): [(reason, column)]}


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_each_planted_fault_is_reported_on_its_own_row(department):
    faults = [(column, value, reason) for d, column, value, reason in FAULTS if d == department]
    frame = good_frame(department, n=len(faults) + 2)  # the first and last rows stay good
    expected = {}
    for pos, (column, value, reason) in enumerate(faults, start=1):
        frame[column] = frame[column].astype(object)
        frame.loc[pos, column] = value
        expected[int(frame.loc[pos, "source_row"])] = [(reason, column)]
    outcome = validate_batch(department, frame)
    assert outcome.failures == expected
    assert not outcome.success
    assert outcome.statistics["rows_failed"] == len(faults)


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_id_status_and_check_digit_in_every_suite_and_pii_free_docs(department, tmp_path):
    frame = good_frame(department)
    frame.loc[1, "id_status"] = identity.EXCEL_PRECISION
    frame.loc[1, "resident_id"] = "5.00230198E+17"
    frame.loc[4, "resident_id"] = frame.loc[4, "resident_id"][:17] + (
        "0" if frame.loc[4, "resident_id"][17] != "0" else "3"
    )
    outcome = validate_batch(department, frame, docs_dir=tmp_path)
    assert outcome.failures == {
        int(frame.loc[1, "source_row"]): [(identity.EXCEL_PRECISION, "resident_id")],
        int(frame.loc[4, "source_row"]): [(identity.BAD_CHECKSUM, "resident_id")],
    }
    html = outcome.docs_path.read_text(encoding="utf-8")
    assert "expect_column_values_to_be_valid_resident_id" in html
    assert not [v for v in frame["resident_id"] if v in html]
    assert not re.search(r"\d{15}", html.replace(outcome.docs_path.stem, ""))


def test_unknown_department_names_the_known_ones():
    with pytest.raises(ValueError, match="medical_insurance"):
        validate_batch("statistics", good_frame("health"))
