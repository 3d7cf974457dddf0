"""Suites derive their basic checks from the connectors' contracts; suite files add cross-field ones."""
import pytest

from connectors import catalog
from connectors.contract import Contract, address, column, optional, person, required
from expectations import contracts, reasons, validate_batch
from expectations.suites import basic, build, own_checks
from tests.expectations.conftest import good_frame

# No suite file exists for this department: everything comes from the contract.
FERRIES = Contract(
    department="ferries", label="渡口", role="person",
    fields=(*person(), required("boat_class", "船舶类别", "enum", allowed=("客渡船", "车渡船")),
            required("licence_no", "船号", pattern=r"[A-Z]{2}\d{4}"),
            column("checked", "是否年检", "bool"), optional("inspection_date", "年检日期", "date"),
            column("crew", "船员人数", "int"), column("fare", "票价", "amount"),
            optional("skipper_phone", "船长电话", "phone"), *address()))

GOOD = {"boat_class": "客渡船", "licence_no": "CQ1234", "checked": "是",
        "inspection_date": "2026-05-01", "crew": 3, "fare": 2.0, "skipper_phone": "13800001234"}
FAULTS = [("boat_class", "货船", reasons.NOT_IN_SET), ("licence_no", "cq12", reasons.BAD_FORMAT),
          ("checked", "Y", reasons.NOT_IN_SET), ("inspection_date", "2999-01-01", reasons.DATE_OUT_OF_RANGE),
          ("crew", 0, reasons.COUNT_OUT_OF_RANGE), ("fare", -1.0, reasons.NEGATIVE_AMOUNT),
          ("skipper_phone", "12345678", reasons.BAD_FORMAT), ("licence_no", None, reasons.MISSING)]


@pytest.fixture(scope="module")
def ferries():
    contracts.register(FERRIES)
    return FERRIES


def _frame(n):
    frame = good_frame("health", n).drop(columns=["disease", "disease_category", "diagnosis_date", "hospital"])
    for column, value in GOOD.items():
        frame[column] = value
    return frame


def test_a_department_without_a_suite_file_gets_the_derived_suite(ferries, home, monkeypatch):
    # crew is a count: its bounds are read like household_size's (expectations.<field>_min/_max)
    monkeypatch.setenv("SHOUWANG_CONFIG", str(home / "county.yaml"))
    (home / "county.yaml").write_text("expectations: {crew_min: 1, crew_max: 30}\n", encoding="utf-8")
    frame = _frame(len(FAULTS) + 2)
    expected = {}
    for pos, (column, value, reason) in enumerate(FAULTS, start=1):
        frame[column] = frame[column].astype(object)
        frame.loc[pos, column] = value
        expected[int(frame.loc[pos, "source_row"])] = [(reason, column)]
    assert own_checks("ferries") == []
    assert validate_batch("ferries", frame).failures == expected


def test_blank_cells_pass_where_the_contract_allows_them(ferries, home, monkeypatch):
    monkeypatch.setenv("SHOUWANG_CONFIG", str(home / "county.yaml"))
    (home / "county.yaml").write_text("expectations: {crew_min: 1, crew_max: 30}\n", encoding="utf-8")
    frame = _frame(3)
    for column in ("checked", "inspection_date", "crew", "fare", "skipper_phone"):
        frame[column] = frame[column].astype(object)
        frame.loc[1, column] = None
    assert validate_batch("ferries", frame).failures == {}


def test_enumerations_are_read_from_the_contract_only():
    for contract in catalog.all_contracts(include_roster=True):
        sets = {e.column: tuple(e.value_set) for e in build(contract.department).expectations
                if type(e).__name__ == "ExpectColumnValuesToBeInSet" and e.column != "id_status"}
        assert sets == {f.name: (("是", "否") if f.type == "bool" else f.allowed)
                        for f in contract.fields if f.allowed or f.type == "bool"}


def test_a_suite_file_adds_only_its_cross_field_checks():
    suite = build("medical_insurance")
    derived = basic.checks(catalog.contract_for("medical_insurance"))
    assert suite.expectations[:len(derived)] == derived
    assert [type(e).__name__ for e in suite.expectations[len(derived):]] == [
        "ExpectColumnPairValuesAToBeGreaterThanB"]
    assert own_checks("health") == []


def test_a_second_different_contract_for_a_department_is_refused():
    health = catalog.contract_for("health")
    contracts.register(health)  # the same one again: fine
    other = Contract("health", "卫健", "person", (*person(), *address()))
    with pytest.raises(ValueError, match="already has a different contract"):
        contracts.register(other)
    assert contracts.contract_for("health") is health
