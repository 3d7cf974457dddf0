"""Department contracts are found by name; a ninth department is one new file."""
import importlib
import sys

import pytest

from connectors import catalog, departments
from connectors.contract import ADDRESS_FIELDS, IDENTITY_FIELD, NAME_FIELD

# Field names every other room reads (docs/reference.md).
ARCHITECTURE = {
    "education": {"guardian_name", "guardian_id", "school", "grade", "enrollment_status",
                  "schooling_cost"},
    "health": {"disease", "disease_category", "diagnosis_date", "hospital"},
    "medical_insurance": {"insurance_status", "total_cost", "basic_reimbursed",
                          "critical_reimbursed", "medical_assistance", "out_of_pocket"},
    "housing": {"address", "grade", "appraisal_date", "occupied", "occupancy"},
    "water": {"supply_mode", "quantity_ok", "quality_ok", "access_ok", "reliability_ok",
              "check_date"},
    "civil_affairs": {"assistance_type", "change_type", "change_date", "amount",
                      "household_size", "income_per_capita"},
    "hr": {"employment_status", "status_date", "workplace", "monthly_income"},
    "emergency": {"disaster_type", "disaster_date", "damage", "direct_loss"},
}


@pytest.mark.parametrize("department", sorted(ARCHITECTURE))
def test_each_department_declares_the_architecture_field_names(department):
    c = catalog.contract_for(department)
    names = {f.name for f in c.fields} - {NAME_FIELD, IDENTITY_FIELD, *ADDRESS_FIELDS}
    assert names == ARCHITECTURE[department]
    assert catalog.contract_for(c.label) is c


def test_roster_contract_fields():
    c = catalog.contract_for("花名册")
    assert {f.name for f in c.fields} == {
        "household_no", "county", "township", "village", "group", "household_type",
        "risk_status", "income_per_capita", "household_size", "name", "resident_id",
        "relation", "sex", "phone", "labour_capacity"}
    assert c not in catalog.all_contracts() and c in catalog.all_contracts(include_roster=True)


@pytest.mark.parametrize("stem, parsed", [
    ("医保_2026-10", ("医保", "2026-10")), ("medical_insurance_2026-10", ("medical_insurance", "2026-10")),
    ("卫健_202610_更正", ("卫健", "2026-10")), ("医保", ("医保", None)), ("医保_2026-13", ("医保", None)),
])
def test_file_names(stem, parsed):
    assert catalog.parse_file_name(stem) == parsed


def test_unknown_department_lists_the_known_ones():
    with pytest.raises(KeyError, match="medical_insurance"):
        catalog.contract_for("统计")


def test_a_twelfth_department_is_one_new_file(tmp_path, monkeypatch):
    # Its own name: test_new_department imports a different `veterans` contract module.
    (tmp_path / "pensions.py").write_text(
        "from connectors.contract import Contract, address, person, required\n"
        "CONTRACT = Contract(department='pensions', label='优抚', role='person', fields=(\n"
        "    *person(), required('care_type', '优抚类别'), *address()))\n", encoding="utf-8")
    monkeypatch.setattr(departments, "__path__", [*departments.__path__, str(tmp_path)])
    importlib.invalidate_caches()
    catalog._contracts.cache_clear()
    catalog._by_name.cache_clear()
    try:
        assert catalog.contract_for("优抚").department == "pensions"
        assert len(catalog.all_contracts()) == 12
    finally:
        monkeypatch.undo()
        sys.modules.pop("connectors.departments.pensions", None)
        catalog._contracts.cache_clear()
        catalog._by_name.cache_clear()


def test_the_department_list_comes_from_the_contracts_in_their_order():
    # The order the digest and the portal list them in (formerly restated in settings and rules).
    assert catalog.department_labels() == {
        "education": "教育", "health": "卫健", "medical_insurance": "医保", "housing": "住建",
        "water": "水利", "civil_affairs": "民政", "hr": "人社", "emergency": "应急",
        "disability": "残联", "police": "公安", "agriculture": "农业农村"}
    assert catalog.department_names() == list(catalog.department_labels())


def test_a_contract_folder_named_by_the_environment_adds_a_department(tmp_path, monkeypatch):
    (tmp_path / "ferries.py").write_text(
        "from connectors.contract import Contract, address, person, required\n"
        "CONTRACT = Contract(department='ferries', label='渡口', role='person', fields=(\n"
        "    *person(), required('boat_class', '船舶类别'), *address()))\n", encoding="utf-8")
    monkeypatch.setenv(catalog.ENV_CONTRACTS, str(tmp_path))
    assert catalog.contract_for("渡口").department == "ferries"
    assert catalog.department_names()[-1] == "ferries"  # no `order`: after the county's eight
    monkeypatch.delenv(catalog.ENV_CONTRACTS)
    with pytest.raises(KeyError):
        catalog.contract_for("渡口")
