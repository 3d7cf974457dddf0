"""Screening rules as data: load a county's rule set for a period and evaluate records against it.

A rule maps a record (or records of several departments about one household) to a risk type,
a level and a reason in words. Field names, operators, thresholds and texts all come from
YAML in this folder (see default.yaml); nothing here knows a department's fields.

One job per module: ``operators`` (the one operator table), ``conditions`` (the evaluator),
``reasons`` (reason texts), ``model`` (Rule, Hit, RuleSet), ``validate`` (a YAML rule checked
and built), ``loader`` (files, overlays, parameters), ``ages``. The names below are re-exported.
"""
from __future__ import annotations

from screening.rules.ages import age_on
from screening.rules.loader import RULES_DIR, income_line, load_rules, rule_files
from screening.rules.model import Hit, Part, Rule, RuleError, RuleSet, Tier
from screening.rules.operators import OPERATORS, Operator
from screening.rules.reasons import format_reason

__all__ = [
    "OPERATORS", "RULES_DIR", "Hit", "Operator", "Part", "Rule", "RuleError", "RuleSet", "Tier",
    "age_on", "format_reason", "income_line", "load_rules", "rule_files",
]
