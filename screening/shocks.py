"""What makes a regional alert a shock (seed 004 §3): one event behind many households, or a
count of one risk type that is improbably high for the place (a one-sided Poisson test)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from scipy.special import gammainc

Place = tuple[str, str | None, str]  # (township, village or None for township-wide, risk_type)


@dataclass
class Shock:
    """One place and risk type that fired: the households and why, in words for people."""

    township: str
    village: str | None
    risk_type: str
    subjects: set[str] = field(default_factory=set)
    kinds: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def key(self) -> Place:
        """(township, village or None, risk_type): one alert per key and period."""
        return (self.township, self.village, self.risk_type)

    @property
    def kind(self) -> str:
        """event | rate | both."""
        kinds = set(self.kinds)
        return "both" if len(kinds) > 1 else next(iter(kinds))

    @property
    def reason(self) -> str:
        """Every reason it fired, event first."""
        return "；".join(self.reasons)


@dataclass(frozen=True)
class Subject:
    """The part of a warning the tests read: who, where, which risk type."""

    key: str
    township: str | None
    village: str | None
    risk_type: str
    fresh: bool = True  # opened this period, not carried from an earlier one


def poisson_tail(count: int, expected: float) -> float:
    """P(X ≥ count) for X ~ Poisson(expected): the regularized lower incomplete gamma P(count, λ)."""
    if count <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    return float(gammainc(count, expected))


def place_name(township: str, village: str | None) -> str:
    """"龙河镇石板村", or the township alone for a township-wide alert."""
    return f"{township}{village or ''}"


def place_subjects(subjects: Iterable[Subject]) -> dict[Place, set[str]]:
    """{(township, village or None, risk_type): subject keys}, at both levels."""
    out: dict[Place, set[str]] = defaultdict(set)
    for s in subjects:
        if not s.township:
            continue  # a record with no address cannot be placed; it still has its warning
        out[(s.township, None, s.risk_type)].add(s.key)
        if s.village:
            out[(s.township, s.village, s.risk_type)].add(s.key)
    return out


def event_shocks(evidence: Iterable[tuple[Subject, str, dict]], events: dict,
                 min_households: int, period: str) -> list[Shock]:
    """Households tied by one event: the same `key` values of one department, in one township.

    ``evidence`` is (subject, department, record fields) for every record behind a warning this
    period; ``events`` maps a department to its `key` fields, `reason` template and optionally
    `dated_by`, a date field that must fall in ``period`` (an older event was last month's news).
    """
    groups: dict[tuple, Shock] = {}
    villages: dict[tuple, set] = defaultdict(set)
    for subject, department, fields in evidence:
        spec = events.get(department)
        if spec is None or not subject.township or not subject.fresh:
            continue  # a warning carried from last month belongs to last month's event
        values = tuple(fields.get(k) for k in spec["key"])
        if any(v in (None, "") for v in values):
            continue  # no type or no date: nothing ties this record to an event
        if spec.get("dated_by") and str(fields.get(spec["dated_by"]) or "")[:7] != period:
            continue
        g = (department, subject.township, subject.risk_type, values)
        groups.setdefault(g, Shock(subject.township, None, subject.risk_type)).subjects.add(subject.key)
        villages[g].add(subject.village)
    out = []
    for g, shock in sorted(groups.items(), key=lambda item: repr(item[0])):
        if len(shock.subjects) < min_households:
            continue
        department, _, _, values = g
        where = villages[g]
        if len(where) == 1 and None not in where:  # one village: the alert names it
            shock.village = next(iter(where))
        words = dict(zip(events[department]["key"], (str(v) for v in values)))
        shock.kinds.append("event")
        shock.reasons.append(events[department]["reason"].format(
            place=place_name(shock.township, shock.village), households=len(shock.subjects), **words))
        out.append(shock)
    return out


@dataclass(frozen=True)
class Baseline:
    """What is normal: roster households per place, the county's rate, earlier periods' counts."""

    roster: dict[tuple[str, str | None], int]  # (township, village or None) → roster households
    county_rate: dict[str, float]  # risk type → households warned per roster household this period
    history: list[dict[Place, int]]  # one count per place for each earlier period
    county_weight: float

    def expected(self, township: str, village: str | None, risk_type: str) -> float:
        """The place's own earlier mean, shrunk toward the county rate scaled to its households."""
        scaled = self.county_rate.get(risk_type, 0.0) * self.roster.get((township, village), 0)
        if not self.history:
            return scaled
        own = sum(h.get((township, village, risk_type), 0) for h in self.history)
        return (own + self.county_weight * scaled) / (len(self.history) + self.county_weight)


def county_rate(current: dict[Place, set[str]], roster: dict) -> dict[str, float]:
    """Households warned of each risk type per roster household, over the whole county."""
    households = sum(n for (_, village), n in roster.items() if village is None)
    counts: dict[str, int] = defaultdict(int)
    for (_, village, risk_type), subjects in current.items():
        if village is None:
            counts[risk_type] += len(subjects)
    return {rt: n / households for rt, n in counts.items()} if households else {}


def rate_shocks(current: dict[Place, set[str]], baseline: Baseline, explained: list[Shock],
                labels: dict[str, str], cfg: dict) -> list[Shock]:
    """Places whose count is improbably high; villages first, then townships less the villages
    already alerted for that type (one flood is one alert, not a village and its township)."""
    out: list[Shock] = []
    for level in ("village", "township"):
        for place in sorted(k for k in current if (k[1] is None) == (level == "township")):
            township, village, risk_type = place
            if baseline.roster.get((township, village), 0) == 0:
                continue  # a place the roster does not know (a lead's spelling): nothing to scale
            subjects, expected = current[place], baseline.expected(*place)
            if village is None:
                subjects, expected = _less_alerted(place, subjects, expected, baseline, explained + out)
            shock = _test(place, subjects, expected, baseline, labels, cfg)
            if shock is not None:
                out.append(shock)
    return out


def _less_alerted(place: Place, subjects: set[str], expected: float, baseline: Baseline,
                  alerted: list[Shock]) -> tuple[set[str], float]:
    township, _, risk_type = place
    inside = [s for s in alerted if s.township == township and s.village and s.risk_type == risk_type]
    if not inside:
        return subjects, expected
    # The rest of the township expects its share of the normal count: households outside them.
    households = baseline.roster.get((township, None), 0)
    covered = sum(baseline.roster.get((township, v), 0) for v in {s.village for s in inside})
    share = (households - covered) / households if households else 0.0
    return subjects - set().union(*(s.subjects for s in inside)), expected * max(share, 0.0)


def _test(place: Place, subjects: set[str], expected: float, baseline: Baseline,
          labels: dict[str, str], cfg: dict) -> Shock | None:
    township, village, risk_type = place
    count = len(subjects)
    if count < int(cfg["min_households"]) or poisson_tail(count, expected) >= float(cfg["significance"]):
        return None
    basis = (cfg["basis_history"].format(periods=len(baseline.history)) if baseline.history
             else cfg["basis_county"])
    reason = cfg["reason"].format(place=place_name(township, village), households=count,
                                  risk=labels.get(risk_type, risk_type), expected=_about(expected),
                                  basis=basis)
    return Shock(township, village, risk_type, set(subjects), ["rate"], [reason])


def _about(expected: float) -> str:
    """A count people read: whole households, a decimal only under ten."""
    return f"{expected:.0f}" if expected >= 10 else f"{expected:.1f}"


def merge(shocks: Iterable[Shock]) -> dict[Place, Shock]:
    """One shock per place and type: an event and a count at one place make one alert."""
    out: dict[Place, Shock] = {}
    for s in shocks:
        have = out.get(s.key)
        if have is None:
            out[s.key] = s
            continue
        have.subjects |= s.subjects
        have.kinds += s.kinds
        have.reasons += s.reasons
    return out
