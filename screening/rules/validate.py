"""The validator: a rule as written in YAML checked against the operator table, levels and
risk types, and built into the model; errors name the file, the rule and what to write."""
from __future__ import annotations

from typing import Any

from screening.rules.model import Part, Rule, RuleError, Tier
from screening.rules.operators import OPERATORS


def validate_condition(cond: Any, where: str) -> None:
    if not isinstance(cond, dict):
        raise RuleError(f"{where}: a condition must be a mapping, not {cond!r}")
    if "all" in cond or "any" in cond:
        for c in cond.get("all", cond.get("any")) or []:
            validate_condition(c, where)
        return
    if "field" not in cond or cond.get("op") not in OPERATORS:
        raise RuleError(f"{where}: condition {cond} needs `field` and an `op` among "
                        f"{', '.join(sorted(OPERATORS))}")
    name, value = cond["op"], cond.get("value")
    op = OPERATORS[name]
    if op.value_ok is not None and not op.value_ok(value):
        raise RuleError(f"{where}: `{name}` needs {op.needs}, got {value!r}")


def build_rule(raw: dict, data: dict, where: str) -> Rule:
    for key in ("id", "risk_type"):
        if key not in raw:
            raise RuleError(f"{where}: every rule needs `{key}`")
    where = f"{where} rule {raw['id']!r}"
    if raw["risk_type"] not in data["risk_types"]:
        raise RuleError(f"{where}: unknown risk_type {raw['risk_type']!r}; "
                        f"use one of {', '.join(data['risk_types'])}")
    tiers_raw = raw.get("tiers") or ([raw] if "when" in raw else [])
    levels = [t.get("level") for t in tiers_raw] + ([raw.get("level")] if "combine" in raw else [])
    for level in levels:
        if level not in data["levels"]:
            raise RuleError(f"{where}: level {level!r} is not one of {', '.join(data['levels'])}")
    if "combine" in raw:
        parts = tuple(Part(p["department"], p["when"]) for p in raw["combine"])
        for p in parts:
            validate_condition(p.when, where)
        return Rule(id=raw["id"], risk_type=raw["risk_type"], indicator=raw.get("indicator", ""),
                    parts=parts, level=raw["level"], reason=raw.get("reason", ""))
    if not raw.get("department") or not tiers_raw:
        raise RuleError(f"{where}: needs `department` and `when` (or `tiers`, or `combine`)")
    tiers = tuple(Tier(t["level"], t["when"], t.get("reason", "")) for t in tiers_raw)
    for t in tiers:
        validate_condition(t.when, where)
    return Rule(id=raw["id"], risk_type=raw["risk_type"], indicator=raw.get("indicator", ""),
                department=raw["department"], tiers=tiers)
