"""Screening rules as data: load a county's rule set for a period and evaluate records against it.

A rule maps a record (or records of several departments about one household) to a risk type,
a level and a reason in words. Field names, operators, thresholds and texts all come from
YAML under ``screening/rules/`` (see default.yaml); nothing here knows a department's fields.
"""
from __future__ import annotations

import copy
import datetime as dt
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from connectors import catalog

RULES_DIR = Path(__file__).parent / "rules"
TRUE_WORDS = {"是", "true", "1", "y", "yes"}
FALSE_WORDS = {"否", "false", "0", "n", "no"}
NUMERIC_OPS = {"gt", "ge", "lt", "le", "between"}
OPS = NUMERIC_OPS | {"eq", "ne", "in", "not_in", "is_true", "is_false", "present"}
# Looked up, not built per comparison: rules run once per record and tier at county scale.
_THRESHOLD = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}


class RuleError(Exception):
    """A rule file is malformed; the message names the file and the rule."""


@dataclass(frozen=True)
class Hit:
    """One rule firing: what risk, how serious, and why in plain words."""

    rule: str
    risk_type: str
    level: str
    reason: str
    indicator: str
    value: str | None


@dataclass(frozen=True)
class Tier:
    """One level of a rule: the condition that earns it and the reason template."""

    level: str
    when: dict
    reason: str


@dataclass(frozen=True)
class Part:
    """One department's share of a combination rule."""

    department: str
    when: dict


@dataclass(frozen=True)
class Rule:
    """A rule over one record (``tiers``) or over a household's records (``parts``)."""

    id: str
    risk_type: str
    indicator: str
    department: str | None = None
    tiers: tuple[Tier, ...] = ()
    parts: tuple[Part, ...] = ()
    reason: str = ""
    level: str = ""

    @property
    def combined(self) -> bool:
        """True for a rule over several departments' records."""
        return bool(self.parts)

    def evaluate(self, fields: dict) -> Hit | None:
        """The first tier this record meets, as a Hit, or None."""
        for tier in self.tiers:
            trace = _Trace()
            if _check(tier.when, fields, trace):
                return self._hit(tier.level, tier.reason, fields, trace)
        return None

    def evaluate_combination(self, records: dict[str, list[dict]]) -> tuple[Hit, list[int]] | None:
        """Fire when every part matches a record of its department.

        ``records`` maps department → the household's field dicts in this period, each with a
        ``_key``; returns the hit and the ``_key`` of every record that matched a part.
        """
        matched: list[dict] = []
        trace = _Trace()
        for part in self.parts:
            found = [f for f in records.get(part.department, []) if _check(part.when, f, trace)]
            if not found:
                return None
            matched.append(found[0])
            matched.extend(found[1:])
        merged: dict = {}
        for f in reversed(matched):
            merged.update(f)
        keys = [f["_key"] for f in matched]
        return self._hit(self.level, self.reason, merged, trace), keys

    def _hit(self, level: str, template: str, fields: dict, trace: "_Trace") -> Hit:
        value = fields.get(self.indicator)
        if value is None and trace.labels:
            value = "、".join(trace.labels)
        return Hit(
            rule=self.id,
            risk_type=self.risk_type,
            level=level,
            reason=format_reason(template, fields, trace),
            indicator=self.indicator,
            value=None if value is None else str(value)[:128],
        )


@dataclass
class RuleSet:
    """Everything screening needs for one county and period: labels, rules and thresholds."""

    risk_types: dict[str, str]
    levels: dict[str, dict]
    actions: dict[str, str]
    assistance_review_when: list[str]
    departments: dict[str, str]
    lead_levels: list[str]
    alerts: dict[str, int]
    parameters: dict
    rules: list[Rule]
    files: list[str] = field(default_factory=list)

    def rank(self, level: str) -> int:
        """Seriousness of a level: higher is more serious (red highest)."""
        order = list(self.levels)
        return len(order) - order.index(level)

    def worst(self, levels: Iterable[str]) -> str:
        """The most serious of ``levels``."""
        return max(levels, key=self.rank)

    def record_rules(self, department: str) -> list[Rule]:
        """The single-record rules of one department."""
        return [r for r in self.rules if not r.combined and r.department == department]

    @property
    def combination_rules(self) -> list[Rule]:
        """The rules over several departments' records of one household."""
        return [r for r in self.rules if r.combined]


class _Trace:
    """What a condition check saw: labels of matched conditions and the thresholds compared."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.thresholds: list[Any] = []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return None


def _truth(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    word = str(value).strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or str(a).strip() == str(b).strip()


def _compare(op: str, value: Any, target: Any) -> bool:
    if op == "present":
        return value not in (None, "")
    if op in ("is_true", "is_false"):
        return _truth(value) is (op == "is_true")
    if op in ("eq", "ne"):
        return _same(value, target) is (op == "eq")
    if op in ("in", "not_in"):
        return any(_same(value, t) for t in target) is (op == "in")
    number = _number(value)
    if number is None:
        return False  # a blank or unreadable amount cannot cross a threshold
    if op == "between":
        return target[0] <= number <= target[1]
    return _THRESHOLD[op](number, target)


def _check(cond: dict, fields: dict, trace: _Trace) -> bool:
    if "all" in cond:
        return all([_check(c, fields, trace) for c in cond["all"]])
    if "any" in cond:
        return any([_check(c, fields, trace) for c in cond["any"]])  # list: collect every label
    ok = _compare(cond["op"], fields.get(cond["field"]), cond.get("value"))
    if ok:
        if cond.get("label"):
            trace.labels.append(cond["label"])
        if cond["op"] in NUMERIC_OPS:
            trace.thresholds.append(cond["value"])
    return ok


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def format_reason(template: str, fields: dict, trace: _Trace | None = None) -> str:
    """Fill a reason template; amounts given as text are read as numbers when a format needs it."""
    values = _Blank({k: v for k, v in fields.items() if not k.startswith("_")})
    if trace is not None:
        values["matched"] = "、".join(trace.labels)
        for t in trace.thresholds:
            if isinstance(t, (list, tuple)):
                values.setdefault("low", t[0])
                values.setdefault("high", t[1])
            else:
                values.setdefault("threshold", t)
    try:
        return template.format_map(values)
    except (ValueError, TypeError):
        numeric = _Blank({k: (_number(v) if _number(v) is not None else v) for k, v in values.items()})
        try:
            return template.format_map(numeric)
        except (ValueError, TypeError):
            return template  # never lose the warning over a reason's formatting


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    """Whole years of age on ``day``."""
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- loading -------------------------------------------------------------------------------


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (over or {}).items():
        if key == "rules":
            by_id = {r["id"]: r for r in out.get("rules", [])}
            for rule in value or []:
                by_id[rule["id"]] = _merge(by_id.get(rule["id"], {}), rule)
            out["rules"] = list(by_id.values())
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise RuleError(f"{path}: not valid YAML ({e}); fix the file and rerun") from e
    if not isinstance(data, dict):
        raise RuleError(f"{path}: expected a mapping at the top level")
    return data


def rule_files(name: str, county_code: str, year: str, home: Path | None) -> list[Path]:
    """The files of one rule set, base first: the named set, the county's, the county-year's."""
    dirs = ([Path(home) / "rules"] if home else []) + [RULES_DIR]
    found = []
    for stem in (name, county_code, f"{county_code}_{year}"):
        for d in dirs:
            if (d / f"{stem}.yaml").exists():
                found.append(d / f"{stem}.yaml")
                break
    if not found or found[0].stem != name:
        raise RuleError(f"rule set {name!r} not found in {', '.join(map(str, dirs))}; "
                        "set `screening.rules` in settings to an existing file name")
    return found


def income_line(lines: list[dict], year: int, county_code: str) -> dict:
    """The income line in force: newest year not after ``year``, most specific region."""
    fitting = [
        line for line in lines
        if int(line["year"]) <= year
        and (line["region"] == "*" or county_code.startswith(str(line["region"])))
    ]
    if not fitting:
        raise RuleError(f"no income line for {year} and county {county_code}: "
                        "add one under parameters.income_lines")
    return max(fitting, key=lambda l: (int(l["year"]), len(str(l["region"]).strip("*"))))


def _resolve(value: Any, params: dict, where: str) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        node: Any = params
        for part in value[1:].split("."):
            if not isinstance(node, dict) or part not in node:
                raise RuleError(f"{where}: parameter {value} is not defined under `parameters`")
            node = node[part]
        return node
    if isinstance(value, dict):
        return {k: _resolve(v, params, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, params, where) for v in value]
    return value


def _validate_condition(cond: Any, where: str) -> None:
    if not isinstance(cond, dict):
        raise RuleError(f"{where}: a condition must be a mapping, not {cond!r}")
    if "all" in cond or "any" in cond:
        for c in cond.get("all", cond.get("any")) or []:
            _validate_condition(c, where)
        return
    if "field" not in cond or cond.get("op") not in OPS:
        raise RuleError(f"{where}: condition {cond} needs `field` and an `op` among "
                        f"{', '.join(sorted(OPS))}")
    op, value = cond["op"], cond.get("value")
    if op in ("in", "not_in") and not isinstance(value, list):
        raise RuleError(f"{where}: `{op}` needs a list value, got {value!r}")
    if op == "between" and not (isinstance(value, list) and len(value) == 2):
        raise RuleError(f"{where}: `between` needs [low, high], got {value!r}")
    if op in ("gt", "ge", "lt", "le") and _number(value) is None:
        raise RuleError(f"{where}: `{op}` needs a number, got {value!r}")


def _build_rule(raw: dict, data: dict, where: str) -> Rule:
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
            _validate_condition(p.when, where)
        return Rule(id=raw["id"], risk_type=raw["risk_type"], indicator=raw.get("indicator", ""),
                    parts=parts, level=raw["level"], reason=raw.get("reason", ""))
    if not raw.get("department") or not tiers_raw:
        raise RuleError(f"{where}: needs `department` and `when` (or `tiers`, or `combine`)")
    tiers = tuple(Tier(t["level"], t["when"], t.get("reason", "")) for t in tiers_raw)
    for t in tiers:
        _validate_condition(t.when, where)
    return Rule(id=raw["id"], risk_type=raw["risk_type"], indicator=raw.get("indicator", ""),
                department=raw["department"], tiers=tiers)


def load_rules(settings: dict, period: str, home: Path | None = None) -> RuleSet:
    """The rule set for the configured county and the period's year, thresholds resolved."""
    county_code = str(settings.get("county", {}).get("code", ""))
    name = settings.get("screening", {}).get("rules", "default")
    files = rule_files(name, county_code, period[:4], home)
    data: dict = {}
    for path in files:
        data = _merge(data, _read(path))
    where = " + ".join(str(p) for p in files)
    params = copy.deepcopy(data.get("parameters", {}))
    params["income"] = income_line(params.get("income_lines", []), int(period[:4]), county_code)
    resolved = _resolve({k: v for k, v in data.items() if k != "parameters"}, params, where)
    rules = [_build_rule(r, resolved, where) for r in resolved.get("rules", [])
             if r.get("enabled", True)]
    return RuleSet(
        risk_types=resolved["risk_types"],
        levels=resolved["levels"],
        actions=resolved["actions"],
        assistance_review_when=resolved.get("assistance_review_when_risk_status", []),
        departments=catalog.department_labels(),  # from the contracts, in their `order`
        lead_levels=resolved.get("leads", {}).get("levels", []),
        alerts=resolved.get("alerts", {}),
        parameters=params,
        rules=rules,
        files=[str(p) for p in files],
    )
