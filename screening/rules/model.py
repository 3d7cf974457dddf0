"""The rule model: a rule, its tiers or parts, a hit, and a county's rule set for a period."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from screening.rules.conditions import Predicate, Trace, compile_condition
from screening.rules.reasons import format_reason


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
    test: Predicate = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "test", compile_condition(self.when))


@dataclass(frozen=True)
class Part:
    """One department's share of a combination rule."""

    department: str
    when: dict
    test: Predicate = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "test", compile_condition(self.when))


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
            trace = Trace()
            if tier.test(fields, trace):
                return self._hit(tier.level, tier.reason, fields, trace)
        return None

    def evaluate_combination(self, records: dict[str, list[dict]]) -> tuple[Hit, list[int]] | None:
        """Fire when every part matches a record of its department.

        ``records`` maps department → the household's field dicts in this period, each with a
        ``_key``; returns the hit and the ``_key`` of every record that matched a part.
        """
        matched: list[dict] = []
        trace = Trace()
        for part in self.parts:
            found = [f for f in records.get(part.department, []) if part.test(f, trace)]
            if not found:
                return None
            matched.append(found[0])
            matched.extend(found[1:])
        merged: dict = {}
        for f in reversed(matched):
            merged.update(f)
        keys = [f["_key"] for f in matched]
        return self._hit(self.level, self.reason, merged, trace), keys

    def _hit(self, level: str, template: str, fields: dict, trace: Trace) -> Hit:
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
