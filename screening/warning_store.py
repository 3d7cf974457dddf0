"""Write one warning per subject and risk type: open it, or update the ongoing one; never twice."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from screening import history
from screening.deadlines import as_utc, due_date
from screening.records import ScreenedRecord, Subject
from screening.rules import Hit, RuleSet
from warehouse.db import IN_LIST_CHUNK, in_chunks
from warehouse.models import VerificationTask, RiskWarning, WarningEvidence


LOOKUP_CHUNK = IN_LIST_CHUNK  # keys or ids an IN lookup of existing warnings takes at once
OPEN, CLOSED = "open", "closed"
WITHDRAWN = "withdrawn"  # a corrected feed left the warning without evidence (screening.corrections)
ENDED = (CLOSED, WITHDRAWN)  # no longer followed: a new risk opens a new warning


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
            select(func.count()).select_from(RiskWarning).where(RiskWarning.code.like(prefix + "%"))) or 0)
        self._prefix = prefix
        self.history: list[dict] = []  # entries of changes to existing warnings, written at the end

    def save_all(self, findings: list[Finding]) -> Counter:
        """Write every finding; count the outcomes "new", "updated" and "unchanged".

        Existing warnings and their evidence are read in a few IN queries and the new rows
        written in batched inserts, rather than a query and a flush per finding.
        """
        existing = self.existing_all(findings)
        known = self._evidence_of([w.id for w in existing.values()])
        outcomes: Counter = Counter()
        opened: list[tuple[RiskWarning, Finding]] = []
        evidence: list[tuple[RiskWarning, Hit, ScreenedRecord]] = []
        redated: list[RiskWarning] = []
        for finding in findings:
            level = self.rules.worst(h.level for h, _ in finding.hits)
            warning = existing.get((finding.subject.key, finding.risk_type))
            if warning is None:
                warning = self._open(finding, level)
                opened.append((warning, finding))
                outcome = "new"
            else:
                changed = self._update(warning, finding, level)
                if "due_date" in changed:
                    redated.append(warning)
                if warning.status == WITHDRAWN:
                    changed["status"] = self._reopen(warning, finding)
                outcome = "updated" if changed else "unchanged"
            behind = known[warning.id] if warning.id is not None else set()
            added = [(hit, sr) for hit, sr in finding.hits if _first_time(sr.record_id, behind)]
            if added and outcome == "unchanged":
                outcome = "updated"
            evidence.extend((warning, hit, sr) for hit, sr in added)
            outcomes[outcome] += 1
        self.session.add_all([w for w, _ in opened])
        self.session.flush()  # one batched INSERT … RETURNING gives the new warnings their ids
        self._insert(VerificationTask, [
            {"warning_id": w.id, "township": w.township, "status": "pending", "due_date": w.due_date}
            for w, _ in opened])
        self._insert(WarningEvidence, [
            {"warning_id": w.id, "record_id": sr.record_id, "period": self.period,
             "department": sr.department, "indicator": hit.indicator, "value": hit.value,
             "rule": hit.rule}
            for w, hit, sr in evidence])
        redate_tasks(self.session, redated)
        history.append(self.session, [
            history.entry(w.id, "opened", self.period, self.now,
                          f"{w.level}: {'、'.join(w.sources)}", None, w.status)
            for w, _ in opened] + self.history)
        return outcomes

    # -- lookups ------------------------------------------------------------------------------

    def existing_all(self, findings: list[Finding]) -> dict[tuple[str, str], RiskWarning]:
        """Per subject and risk type: the ongoing (not closed) warning, else one opened and
        already closed this period."""
        candidates: dict[tuple[str, str], list[RiskWarning]] = defaultdict(list)
        for part in in_chunks({f.subject.key for f in findings}, LOOKUP_CHUNK):
            for w in self.session.execute(select(RiskWarning).where(RiskWarning.subject_key.in_(part))).scalars():
                candidates[(w.subject_key, w.risk_type)].append(w)
        found = {}
        for pair, warnings in candidates.items():
            warnings.sort(key=lambda w: (w.opened_period, w.id), reverse=True)
            ongoing = [w for w in warnings if w.status not in ENDED]
            same_period = [w for w in warnings if w.opened_period == self.period]
            chosen = (ongoing or same_period or [None])[0]
            if chosen is not None:
                found[pair] = chosen
        return found

    def _evidence_of(self, warning_ids: list[int]) -> dict[int, set[int]]:
        """The record ids already behind each warning."""
        known: dict[int, set[int]] = defaultdict(set)
        for part in in_chunks(warning_ids, LOOKUP_CHUNK):
            for warning_id, record_id in self.session.execute(
                    select(WarningEvidence.warning_id, WarningEvidence.record_id)
                    .where(WarningEvidence.warning_id.in_(part))):
                known[warning_id].add(record_id)
        return known

    # -- writes -------------------------------------------------------------------------------

    def _action(self, subject: Subject) -> str:
        if subject.household_id is not None and subject.risk_status in self.rules.assistance_review_when:
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

    def _open(self, finding: Finding, level: str) -> RiskWarning:
        subject = finding.subject
        warning = RiskWarning(
            code=f"{self._prefix}{self._next:05d}",
            subject_key=subject.key,
            household_id=subject.household_id,
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
            status=OPEN,
            batch_arrived_at=self._arrived(finding),
            issued_at=self.now,
            due_date=due_date(level, self.now, self.settings),
        )
        self._next += 1
        return warning

    def _update(self, warning: RiskWarning, finding: Finding, level: str) -> dict:
        """Carry an ongoing warning into this period; return what changed."""
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
        if "level" in changed:
            self.history.append(history.entry(
                warning.id, "updated", self.period, self.now,
                f"level {warning.level} -> {changed['level']}", warning.status, warning.status))
        for key, value in changed.items():
            setattr(warning, key, value)
        return changed

    def _reopen(self, warning: RiskWarning, finding: Finding) -> str:
        """A withdrawn warning of this period that a newer batch supports again is open again."""
        self.history.append(history.entry(
            warning.id, "status", self.period, self.now,
            f"supported again by {'、'.join(self._sources(finding))}", warning.status, OPEN))
        warning.status = OPEN
        return OPEN

    def _insert(self, model, rows: list[dict]) -> None:
        if rows:  # executemany / insertmanyvalues: one statement for the batch
            self.session.execute(insert(model), rows)


def redate_tasks(session: Session, warnings: list[RiskWarning]) -> None:
    """Verification tasks not yet done follow their warning's new due date."""
    due = {w.id: w.due_date for w in warnings}
    for part in in_chunks(due, LOOKUP_CHUNK):
        for task in session.execute(
                select(VerificationTask).where(VerificationTask.warning_id.in_(part))).scalars():
            if task.status != "done":
                task.due_date = due[task.warning_id]


def _first_time(record_id: int, behind: set[int]) -> bool:
    """True (and remember it) when ``record_id`` is not yet behind the warning."""
    if record_id in behind:
        return False
    behind.add(record_id)
    return True


def _differs(old, new) -> bool:
    if isinstance(old, dt.datetime) and isinstance(new, dt.datetime):
        return as_utc(old) != as_utc(new)  # compare instants, not naive/aware representations
    return old != new
