"""Synthetic department frames (valid by construction) for the expectation tests."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from connectors import catalog
from expectations import contracts
from warehouse.identity import make_id

FIRST_ROW = 3  # a title line and a header row above the data, as in the landed files

PERSON = {"name": "张三", "id_status": "ok", "township": "龙河镇", "village": "三合村"}

# One valid record per department; every value comes from FEEDS.md's contracts.
GOOD = {
    "education": {"guardian_name": "张大山", "school": "龙河小学", "grade": "三年级",
                  "enrollment_status": "在读", "schooling_cost": 800.0},
    "health": {"disease": "肺癌", "disease_category": "大病", "diagnosis_date": "2026-03-05",
               "hospital": "县人民医院"},
    "medical_insurance": {"insurance_status": "正常参保", "total_cost": 9000.0, "basic_reimbursed": 5000.0,
                          "critical_reimbursed": 1000.0, "medical_assistance": 500.0,
                          "out_of_pocket": 2500.0},
    "housing": {"address": "三合村4组12号", "grade": "B", "appraisal_date": "2025-11-20", "occupied": "是",
                "occupancy": "常住"},
    "water": {"supply_mode": "集中供水", "quantity_ok": "是", "quality_ok": "是", "access_ok": "是",
              "reliability_ok": "是", "check_date": "2026-06-30"},
    "civil_affairs": {"assistance_type": "低保", "change_type": "新增", "change_date": "2026-09-01",
                      "amount": 520.0, "household_size": 4, "income_per_capita": 6500.0},
    "hr": {"employment_status": "稳定就业", "status_date": "2026-08-15", "workplace": "重庆",
           "monthly_income": 4200.0},
    "emergency": {"disaster_type": "洪涝", "disaster_date": "2026-07-02", "damage": "农作物受灾",
                  "direct_loss": 1500.0},
    "disability": {"disability_category": "肢体", "disability_grade": "二级", "change_type": "新办",
                   "change_date": "2026-09-18", "two_subsidies": "是"},
    "police": {"event_type": "意外伤残", "event_date": "2026-09-03", "event_note": "务工途中摔伤"},
    "agriculture": {"industry_type": "种植", "project": "脐橙种植", "loss_type": "绝收", "loss": 26000.0,
                    "claim_paid": 6000.0, "loss_date": "2026-08-20"},
    "registry": {"household_no": "500230100100012", "county": "示范县", "household_type": "脱贫户",
                 "risk_status": None, "income_per_capita": 15000.0, "household_size": 3, "relation": "户主",
                 "sex": "男", "phone": "13800001234", "labour_capacity": "普通劳动力"},
}
DEPARTMENTS = tuple(GOOD)


def synthetic_ids(n: int, start: int = 0) -> list[str]:
    """Valid fake resident IDs from the demo county."""
    return [
        make_id("500230", dt.date(1960, 1, 1) + dt.timedelta(days=(start + i) * 37 % 20000), start + i, i % 2 == 0)
        for i in range(n)
    ]


def good_frame(department: str, n: int = 6) -> pd.DataFrame:
    """``n`` valid rows of ``department`` with spreadsheet row numbers from FIRST_ROW."""
    rows = [{**PERSON, **GOOD[department]} for _ in range(n)]
    frame = pd.DataFrame(rows)
    frame.insert(0, "source_row", range(FIRST_ROW, FIRST_ROW + n))
    frame["resident_id"] = synthetic_ids(n)
    return frame


def wrong_check_digit(resident_id: str) -> str:
    """The same ID with a check character that does not match its body."""
    return resident_id[:17] + ("1" if resident_id[17] != "1" else "2")


@pytest.fixture(autouse=True)
def _default_settings(home):
    """Every test reads the packaged settings (no county file) from a fresh home."""
    return home


@pytest.fixture(autouse=True, scope="session")
def _contracts():
    """The suites derive from the connectors' contracts, which connectors.plan registers."""
    for contract in catalog.all_contracts(include_roster=True):
        contracts.register(contract)
