"""Grading a channel input by the rules: its channel's default level (rules YAML ``channels:``)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from screening.rules import Hit, RuleError, RuleSet, rule_files
from screening.rules.loader import read_file

SECTION = "channels"
RULE_PREFIX = "channel:"  # WarningEvidence.rule of a channel input: channel:self_report
DESCRIPTION_IN_REASON = 60  # characters of the reporter's words quoted in the list's reason
VALUE_MAX = 128  # warning_evidence.value


@dataclass(frozen=True)
class ChannelGrade:
    """One channel's default level and the words lists show for it."""

    channel: str
    label: str
    level: str
    seed: str


def channel_grades(settings: dict, period: str, home: Path | None, rules: RuleSet) -> dict[str, ChannelGrade]:
    """The ``channels:`` section of the county's rule files for ``period`` (overlays key by key)."""
    county_code = str(settings.get("county", {}).get("code", ""))
    name = settings.get("screening", {}).get("rules", "default")
    merged: dict[str, dict] = {}
    files = rule_files(name, county_code, period[:4], home)
    for path in files:
        for channel, spec in (read_file(path).get(SECTION) or {}).items():
            merged[channel] = {**merged.get(channel, {}), **(spec or {})}
    where = " + ".join(str(p) for p in files)
    grades = {}
    for channel, spec in merged.items():
        level = spec.get("level")
        if level not in rules.levels:
            raise RuleError(f"{where}: channels.{channel}.level is {level!r}; use one of "
                            f"{', '.join(rules.levels)}")
        grades[channel] = ChannelGrade(channel, str(spec.get("label") or channel), level,
                                       str(spec.get("seed") or ""))
    return grades


def grade(grades: dict[str, ChannelGrade], rules: RuleSet, channel: str, risk_type: str,
          description: str | None) -> Hit:
    """The hit a channel input makes: its channel's level, its risk type, words for the list."""
    spec = grades.get(channel)
    if spec is None:
        raise RuleError(f"channel {channel!r} has no default level: add it to the rules' "
                        f"`{SECTION}:` section (known: {', '.join(sorted(grades))})")
    risk = risk_type if risk_type in rules.risk_types else "other"
    said = " ".join((description or "").split())
    reason = f"{spec.label}：{rules.risk_types[risk]}"
    if said:
        cut = said[:DESCRIPTION_IN_REASON] + ("…" if len(said) > DESCRIPTION_IN_REASON else "")
        reason += f"（{cut}）"
    return Hit(rule=RULE_PREFIX + channel, risk_type=risk, level=spec.level, reason=reason,
               indicator=spec.label, value=(said or rules.risk_types[risk])[:VALUE_MAX])


def channel_labels(settings: dict, period: str, home: Path | None, rules: RuleSet) -> dict[str, str]:
    """Each configured channel's words (农户自主申报, 信访, …), in the rules file's order."""
    return {c: g.label for c, g in channel_grades(settings, period, home, rules).items()}
