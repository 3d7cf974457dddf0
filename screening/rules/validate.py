"""The validator: a rule as written in YAML checked against the operator table, levels and
risk types, and built into the model; errors name the file, the rule and what to write."""
from __future__ import annotations

from string import Formatter
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
        for p in raw["combine"]:  # checked before a Part compiles its condition
            validate_condition(p["when"], where)
        parts = tuple(Part(p["department"], p["when"]) for p in raw["combine"])
        return Rule(id=raw["id"], risk_type=raw["risk_type"], indicator=raw.get("indicator", ""),
                    parts=parts, level=raw["level"], reason=raw.get("reason", ""))
    if not raw.get("department") or not tiers_raw:
        raise RuleError(f"{where}: needs `department` and `when` (or `tiers`, or `combine`)")
    for t in tiers_raw:  # checked before a Tier compiles its condition
        validate_condition(t["when"], where)
    tiers = tuple(Tier(t["level"], t["when"], t.get("reason", "")) for t in tiers_raw)
    return Rule(id=raw["id"], risk_type=raw["risk_type"], indicator=raw.get("indicator", ""),
                department=raw["department"], tiers=tiers)


_ALERT_RATE_KEYS = ("significance", "min_households", "history_periods", "county_weight", "reason",
                    "basis_history", "basis_county")
_RETIRED_ALERT_KEYS = ("village_min_households", "township_min_households")


def validate_alerts(alerts: Any, where: str) -> dict:
    """The `alerts` section checked (events and the rate test, seed 004 §3); returned as is."""
    where = f"{where} alerts"
    if not isinstance(alerts, dict):
        raise RuleError(f"{where}: must be a mapping with `events`, `event_min_households` and `rate`")
    retired = [k for k in _RETIRED_ALERT_KEYS if k in alerts]
    if retired:
        raise RuleError(f"{where}: {', '.join(retired)} no longer apply (a count alone is not a shock); "
                        "set `event_min_households` and `rate.min_households`/`rate.significance` instead")
    events, rate = alerts.get("events"), alerts.get("rate")
    if not isinstance(events, dict) or not isinstance(rate, dict) or "event_min_households" not in alerts:
        raise RuleError(f"{where}: needs `events` (department: {{key, reason}}), `event_min_households` "
                        "and `rate`")
    for department, spec in events.items():
        _validate_event(spec, f"{where} event {department!r}")
    missing = [k for k in _ALERT_RATE_KEYS if k not in rate]
    if missing:
        raise RuleError(f"{where} rate: add {', '.join(missing)}")
    if not 0 < float(rate["significance"]) < 1:
        raise RuleError(f"{where} rate: significance must be between 0 and 1, got {rate['significance']!r}")
    for key in ("min_households", "history_periods"):
        if int(rate[key]) < 0:
            raise RuleError(f"{where} rate: {key} must be 0 or more, got {rate[key]!r}")
    _check_template(rate["reason"], {"place", "households", "risk", "expected", "basis"}, f"{where} rate")
    _check_template(rate["basis_history"], {"periods"}, f"{where} rate basis_history")
    return alerts


def _validate_event(spec: Any, where: str) -> None:
    if not isinstance(spec, dict) or not isinstance(spec.get("key"), list) or not spec["key"] \
            or not isinstance(spec.get("reason"), str):
        raise RuleError(f"{where}: write {{key: [field, ...], reason: \"{{place}} {{households}} 户 …\"}}")
    _check_template(spec["reason"], {"place", "households", *spec["key"]}, where)
    if "dated_by" in spec and not isinstance(spec["dated_by"], str):
        raise RuleError(f"{where}: `dated_by` names one date field of the record, e.g. disaster_date")


def _check_template(text: Any, allowed: set[str], where: str) -> None:
    """A reason template may name only the values the alert has."""
    if not isinstance(text, str):
        raise RuleError(f"{where}: a reason template must be text, got {text!r}")
    unknown = {name for _, name, _, _ in Formatter().parse(text) if name} - allowed
    if unknown:
        raise RuleError(f"{where}: {{{', '.join(sorted(unknown))}}} is not known here; "
                        f"use {', '.join('{' + a + '}' for a in sorted(allowed))}")
