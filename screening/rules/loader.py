"""The loader: a county's rule set for a period, from the named set plus the county's and the
county-year's overlay files (``$SHOUWANG_HOME/rules/`` first, then this folder), thresholds
resolved from ``parameters``."""
from __future__ import annotations

import calendar
import copy
from pathlib import Path
from typing import Any

from connectors import catalog
from screening.rules.model import RuleError, RuleSet
from screening.rules.validate import build_rule, validate_alerts
from shouwang import config
from shouwang.core.yaml_files import read_mapping

RULES_DIR = Path(__file__).parent  # default.yaml ships beside this module (package data)


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


def read_file(path: Path) -> dict:
    """One rules file's mapping; a file that is not a YAML mapping is a RuleError naming it."""
    return read_mapping(path, RuleError)


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


def rule_stamp(settings: dict, year: int | str, home: Path | None = None
               ) -> tuple[tuple[str, int], ...]:
    """The county's rule files for ``year`` (the named set, then its overlays) with their
    modification times: the cache key of a section read from them, so an edited file is reread."""
    home = home if home is not None else config.home()
    name = settings.get("screening", {}).get("rules", "default")
    code = str(settings.get("county", {}).get("code", ""))
    return tuple((str(p), p.stat().st_mtime_ns) for p in rule_files(name, code, str(year), home))


def merged_section(stamp: tuple[tuple[str, int], ...], section: str) -> tuple[dict, str]:
    """One top-level ``section`` of the stamped rule files laid over each other (only that
    section is merged: parsing the whole rule set costs a third of a second), and its files."""
    data: dict = {}
    for path, _ in stamp:
        data = _merge(data, {section: read_file(Path(path)).get(section) or {}})
    return data.get(section) or {}, " + ".join(path for path, _ in stamp)

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


def period_days(period: str) -> dict[str, str]:
    """``$period.start`` / ``$period.end``: the period's first and last day, ISO, for dated rules."""
    year, month = int(period[:4]), int(period[5:7])
    last = calendar.monthrange(year, month)[1]
    return {"start": f"{period}-01", "end": f"{period}-{last:02d}"}


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


def load_rules(settings: dict, period: str, home: Path | None = None) -> RuleSet:
    """The rule set for the configured county and the period's year, thresholds resolved."""
    county_code = str(settings.get("county", {}).get("code", ""))
    name = settings.get("screening", {}).get("rules", "default")
    files = rule_files(name, county_code, period[:4], home)
    data: dict = {}
    for path in files:
        data = _merge(data, read_file(path))
    where = " + ".join(str(p) for p in files)
    params = copy.deepcopy(data.get("parameters", {}))
    params["income"] = income_line(params.get("income_lines", []), int(period[:4]), county_code)
    params["period"] = period_days(period)
    resolved = _resolve({k: v for k, v in data.items() if k != "parameters"}, params, where)
    rules = [build_rule(r, resolved, where) for r in resolved.get("rules", [])
             if r.get("enabled", True)]
    return RuleSet(
        risk_types=resolved["risk_types"],
        levels=resolved["levels"],
        actions=resolved["actions"],
        assistance_review_when=resolved.get("assistance_review_when_risk_status", []),
        departments=catalog.department_labels(),  # from the contracts, in their `order`
        lead_levels=resolved.get("leads", {}).get("levels", []),
        alerts=validate_alerts(resolved.get("alerts"), where),
        parameters=params,
        rules=rules,
        files=[str(p) for p in files],
    )
