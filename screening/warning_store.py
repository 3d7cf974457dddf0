"""Write one warning per subject and risk type: open it, or update the ongoing one; never twice."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screening.deadlines import as_utc, due_date
from screening.records import ScreenedRecord, Subject
from screening.rules import Hit, RuleSet
from warehouse.models import VerificationTask, Warning, WarningEvidence


@dataclass
class Finding:
    """The hits of one period on one subject and risk type, with the records behind them."""

    subject: Subject
    risk_type: str
    hits: list[tuple[Hit, ScreenedRecord]]


class WarningStore:
    """Opens and updates the warnings of one period inside one session."""

    def __init__(self, session: Session, rules: RuleSet, settings: dict, period: str,
                 now: dt.datetime) -> None:
        self.session, self.rules, self.settings = session, rules, settings
        self.period, self.now = period, now
        prefix = f"W{period}-"
        self._next = 1 + (session.scalar(
            select(func.count()).select_from(Warning).where(Warning.code.like(prefix + "%"))) or 0)
        self._prefix = prefix

    def save(self, finding: Finding) -> str:
        """Write ``finding``; return "new", "updated" or "unchanged"."""
        level = self.rules.worst(h.level for h, _ in finding.hits)
        warning = self._existing(finding.subject.key, finding.risk_type)
        if warning is None:
            warning = self._open(finding, level)
            outcome = "new"
        else:
            outcome = "updated" if self._update(warning, finding, level) else "unchanged"
        if self._add_evidence(warning, finding) and outcome == "unchanged":
            outcome = "updated"
        return outcome

    # -- lookups ------------------------------------------------------------------------------

    def _existing(self, key: str, risk_type: str) -> Warning | None:
        """The ongoing (not closed) warning, else one opened and already closed this period."""
        candidates = self.session.execute(
            select(Warning).where(Warning.subject_key == key, Warning.risk_type == risk_type)
            .order_by(Warning.opened_period.desc(), Warning.id.desc())
        ).scalars().all()
        for w in candidates:
            if w.status != "closed":
                return w
        same_period = [w for w in candidates if w.opened_period == self.period]
        return same_period[0] if same_period else None

    # -- writes -------------------------------------------------------------------------------

    def _action(self, subject: Subject) -> str:
        hh = subject.household
        if hh is not None and hh.risk_status in self.rules.assistance_review_when:
            return "assistance_review"
        return "identification"

    def _reason(self, finding: Finding) -> str:
        ordered = sorted(finding.hits, key=lambda hr: -self.rules.rank(hr[0].level))
        return "；".join(dict.fromkeys(h.reason for h, _ in ordered))

    @staticmethod
    def _sources(finding: Finding) -> list[str]:
        return list(dict.fromkeys(sr.source for _, sr in finding.hits))

    @staticmethod
    def _arrived(finding: Finding) -> dt.datetime:
        return min(sr.arrived_at for _, sr in finding.hits)

    def _open(self, finding: Finding, level: str) -> Warning:
        subject = finding.subject
        warning = Warning(
            code=f"{self._prefix}{self._next:05d}",
            subject_key=subject.key,
            household_id=subject.household.id if subject.household else None,
            is_lead=subject.is_lead,
            lead_name=subject.lead_name,
            lead_id_masked=subject.lead_id_masked,
            township=subject.township,
            village=subject.village,
            risk_type=finding.risk_type,
            level=level,
            action=self._action(subject),
            reason=self._reason(finding),
            sources=self._sources(finding),
            opened_period=self.period,
            last_period=self.period,
            status="open",
            batch_arrived_at=self._arrived(finding),
            issued_at=self.now,
            due_date=due_date(level, self.now, self.settings),
        )
        self._next += 1
        self.session.add(warning)
        self.session.flush()
        self.session.add(VerificationTask(warning_id=warning.id, township=warning.township,
                                          status="pending", due_date=warning.due_date))
        return warning

    def _update(self, warning: Warning, finding: Finding, level: str) -> bool:
        """Carry an ongoing warning into this period; True when anything changed."""
        changes: dict = {}
        sources = list(dict.fromkeys([*(warning.sources or []), *self._sources(finding)]))
        if sources != list(warning.sources or []):
            changes["sources"] = sources
        worst = self.rules.worst([warning.level, level])
        if worst != warning.level:
            # A risk that grew more serious is due sooner, counted from the original issue.
            changes["level"] = worst
            changes["due_date"] = due_date(worst, warning.issued_at, self.settings)
        if self.period >= warning.last_period:
            changes.update(last_period=self.period, reason=self._reason(finding),
                           batch_arrived_at=self._arrived(finding),
                           action=self._action(finding.subject))
        changed = {k: v for k, v in changes.items() if _differs(getattr(warning, k), v)}
        for key, value in changed.items():
            setattr(warning, key, value)
        if "due_date" in changed:
            task = self.session.scalar(
                select(VerificationTask).where(VerificationTask.warning_id == warning.id))
            if task is not None and task.status != "done":
                task.due_date = warning.due_date
        return bool(changed)

    def _add_evidence(self, warning: Warning, finding: Finding) -> bool:
        known = set(self.session.execute(
            select(WarningEvidence.record_id).where(WarningEvidence.warning_id == warning.id)
        ).scalars())
        added = False
        for hit, sr in finding.hits:
            if sr.record.id in known:
                continue
            known.add(sr.record.id)
            self.session.add(WarningEvidence(
                warning_id=warning.id, record_id=sr.record.id, period=self.period,
                department=sr.record.department, indicator=hit.indicator, value=hit.value,
                rule=hit.rule))
            added = True
        return added


def _differs(old, new) -> bool:
    if isinstance(old, dt.datetime) and isinstance(new, dt.datetime):
        return as_utc(old) != as_utc(new)  # compare instants, not naive/aware representations
    return old != new
