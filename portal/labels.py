"""Chinese labels for codes shown to people: risk types, levels and departments come from the
screening rule set (one source of truth); statuses are the portal's own words."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from screening.rules import load_rules
from screening.verification import STATUS_LABELS

WARNING_STATUS = STATUS_LABELS  # the verification loop's words (screening/verification.py)
TASK_STATUS = {"pending": "待办", "done": "已完成"}
LINK_STATUS = {"auto": "自动匹配", "review": "待人工复核", "accepted": "已确认", "rejected": "已否决",
               "none": "未匹配"}
ROLE_LABELS = {"county_admin": "县级管理员", "county_analyst": "县级分析员",
               "township": "乡镇核实员", "village": "村级核实员", "grid": "网格员",
               "department": "行业部门", "engineer": "数据工程师"}


@dataclass(frozen=True)
class Labels:
    """Every code-to-Chinese mapping a page needs."""

    risk_types: dict[str, str]
    levels: dict[str, str]  # red -> 红色预警, most serious first
    departments: dict[str, str]
    actions: dict[str, str]
    warning_status: dict[str, str]
    task_status: dict[str, str]
    link_status: dict[str, str]
    roles: dict[str, str]

    def level_order(self) -> list[str]:
        """Level codes, most serious first."""
        return list(self.levels)


@lru_cache(maxsize=8)
def _rule_labels(settings_json: str, year: str, home: Path | None) -> tuple[dict, dict, dict, dict]:
    # Keyed by the settings' JSON text: a dict cannot be a cache key.
    rules = load_rules(json.loads(settings_json), f"{year}-01", home)
    levels = {code: v.get("name", code) if isinstance(v, dict) else str(v)
              for code, v in rules.levels.items()}
    return rules.risk_types, levels, rules.departments, rules.actions


def labels(settings: dict, year: str, home: Path | None) -> Labels:
    """The labels of the county's rule set for ``year`` (cached), with the county's own rule
    files in ``home``/rules over the packaged ones, as screening and the digest read them."""
    home = Path(home) if home is not None else None
    risk, levels, depts, actions = _rule_labels(json.dumps(settings, sort_keys=True), year, home)
    return Labels(risk_types=risk, levels=levels, departments=depts, actions=actions,
                  warning_status=WARNING_STATUS, task_status=TASK_STATUS,
                  link_status=LINK_STATUS, roles=ROLE_LABELS)
