"""Indicators are shown by the Chinese header their department's contract gives them."""
from connectors.field_labels import field_label


def test_a_field_is_named_by_its_contracts_first_header():
    assert field_label("education", "enrollment_status") == "学籍状态"
    assert field_label("教育", "enrollment_status") == "学籍状态"  # a department's Chinese name too
    # One canonical name, two departments: each contract's own header.
    assert field_label("education", "grade") == "年级"
    assert field_label("housing", "grade") == "鉴定等级"


def test_a_field_no_contract_has_falls_back_to_the_given_default_then_the_name():
    assert field_label("water", "water_checks", "饮水安全") == "饮水安全"
    assert field_label("water", "water_checks") == "water_checks"
    assert field_label("no_such_department", "x") == "x"
