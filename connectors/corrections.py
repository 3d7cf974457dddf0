"""Corrections of a loaded feed: which batch replaces which, holding a suspiciously small one,
and `shouwang feeds accept` applying a held batch.

A new batch of a department and period supersedes the loaded one, unless it has fewer rows
than ``ingest.hold_below_ratio`` of it: then it is stored "held" (records and all, unused
downstream, which reads "loaded" batches only) and the old batch stays loaded until a person
accepts the new one.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from shouwang.core.errors import UserError
from warehouse.models import FeedBatch, PipelineEvent, utcnow

LOADED, HELD, SUPERSEDED = "loaded", "held", "superseded"


@dataclass(frozen=True)
class HeldBatch:
    """A held batch beside the loaded one it would replace (counts and names only)."""

    batch_id: int
    department: str
    period: str
    source_file: str
    rows_read: int
    loaded_id: int | None
    loaded_file: str | None
    loaded_rows: int | None

    def describe(self) -> str:
        """One line: what is held, against what, and the command that applies it."""
        against = (f"the loaded {self.loaded_file} (batch {self.loaded_id}) has {self.loaded_rows}"
                   if self.loaded_id is not None else "nothing is loaded")
        return (f"{self.source_file} (batch {self.batch_id}, {self.department} {self.period}) held: "
                f"{self.rows_read} rows where {against}; if the smaller file is right, run "
                f"`shouwang feeds accept {self.batch_id}`, else land the full file again")


def current_batch(conn, department: str, period: str):
    """The loaded batch of a department and period (id, source_file, rows_read), or None."""
    return conn.execute(select(FeedBatch.id, FeedBatch.source_file, FeedBatch.rows_read).where(
        FeedBatch.department == department, FeedBatch.period == period,
        FeedBatch.status == LOADED).order_by(FeedBatch.id.desc())).first()


def should_hold(settings: dict, rows_read: int, current) -> bool:
    """True when ``rows_read`` is under ``ingest.hold_below_ratio`` of the loaded batch's rows."""
    if current is None or not current.rows_read:
        return False
    return rows_read < float(settings["ingest"]["hold_below_ratio"]) * current.rows_read


def supersede_others(conn, department: str, period: str, batch_id: int) -> list[int]:
    """Mark every other loaded or held batch of the department and period superseded by
    ``batch_id``; their ids."""
    older = conn.execute(select(FeedBatch.id).where(
        FeedBatch.department == department, FeedBatch.period == period,
        FeedBatch.status.in_((LOADED, HELD)), FeedBatch.id != batch_id)).scalars().all()
    if older:
        conn.execute(update(FeedBatch).where(FeedBatch.id.in_(older))
                     .values(status=SUPERSEDED, superseded_by=batch_id))
    return list(older)


def held_batches(conn, period: str | None = None) -> list[HeldBatch]:
    """The held batches (of ``period``, or all), each beside the batch still loaded."""
    query = select(FeedBatch.id, FeedBatch.department, FeedBatch.period, FeedBatch.source_file,
                   FeedBatch.rows_read).where(FeedBatch.status == HELD).order_by(FeedBatch.id)
    if period is not None:
        query = query.where(FeedBatch.period == period)
    out = []
    for b in conn.execute(query).all():
        cur = current_batch(conn, b.department, b.period)
        out.append(HeldBatch(b.id, b.department, b.period, b.source_file, b.rows_read,
                             cur.id if cur else None, cur.source_file if cur else None,
                             cur.rows_read if cur else None))
    return out


def held_note(conn, batch_id: int, period: str) -> str:
    """What the operator is told about the held batch ``batch_id``: why, and how to apply it."""
    return next(h.describe() for h in held_batches(conn, period) if h.batch_id == batch_id)


def find_held(conn, ref: str) -> HeldBatch:
    """The held batch ``ref`` names (its id or its file name); UserError naming the choices."""
    held = held_batches(conn)
    hits = [h for h in held if str(h.batch_id) == ref.strip() or h.source_file == ref.strip()]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        choices = "; ".join(f"{h.batch_id} {h.source_file} ({h.period})" for h in held)
        raise UserError(f"no held batch is {ref!r}; "
                        + (f"held now: {choices}" if held else "no batch is held"))
    ids = ", ".join(str(h.batch_id) for h in hits)
    raise UserError(f"{ref!r} names {len(hits)} held batches ({ids}); accept one by its id")


def accept(ctx, ref: str) -> HeldBatch:
    """Apply the held batch ``ref``: it becomes loaded and supersedes the one it replaces."""
    from warehouse.lock import lock_feed, warehouse_lock

    with ctx.engine.connect() as conn:
        target = find_held(conn, ref)
    with warehouse_lock(ctx, shared=True), ctx.engine.begin() as conn:
        lock_feed(conn, target.department, target.period)
        status = conn.execute(select(FeedBatch.status)
                              .where(FeedBatch.id == target.batch_id)).scalar()
        if status != HELD:  # another accept or a newer file got there first
            raise UserError(f"batch {target.batch_id} is {status} now, no longer held; "
                            "nothing was changed")
        conn.execute(update(FeedBatch).where(FeedBatch.id == target.batch_id)
                     .values(status=LOADED, loaded_at=utcnow()))
        older = supersede_others(conn, target.department, target.period, target.batch_id)
        conn.execute(PipelineEvent.__table__.insert().values(
            kind="accepted", department=target.department, period=target.period,
            detail=f"held batch {target.batch_id} ({target.source_file}, {target.rows_read} rows) "
                   f"accepted; superseded {', '.join(map(str, older)) or 'nothing'}"))
    return target


def held_rows(session, period: str) -> list[dict]:
    """The held batches of ``period`` for the county digest (names and counts only)."""
    from connectors import catalog

    return [{"department": catalog.contract_for(h.department).label,
             "source_file": h.source_file, "batch_id": h.batch_id, "rows_read": h.rows_read,
             "loaded_file": h.loaded_file or "", "loaded_rows": h.loaded_rows or 0,
             "action": f"shouwang feeds accept {h.batch_id}"}
            for h in held_batches(session, period)]
