"""Which channel inputs a day's merge takes, and their feed records (the evidence warnings cite).

A warning's evidence is a feed record (``warning_evidence.record_id``), so each input is kept as
one record of a batch per channel, day and period (``source_kind`` "channel", department the
channel): the same record every month-end screening and the portal's evidence show, its ID
sealed for ``feed_records`` (opened from ``channel_inputs`` in memory only, never written out).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shouwang.core.clock import as_utc, zone_name
from warehouse.channel_tables import ChannelInput
from warehouse.crypto import Vault
from warehouse.db import in_chunks
from warehouse.models import FeedBatch, FeedRecord, new_uids
from warehouse.sensitive import RESIDENT_ID, aad, identity_columns

SOURCE_KIND = "channel"  # feed_batches.source_kind of a day's channel inputs
UNMATCHED = "unmatched"  # merge_result of an input whose match waits for a reviewer
MATCH_COLUMNS = ("name", "township", "village", "role", "id_index", "id_key0", "id_key1",
                 "id_key2", "id_key3", "birth_date", "sex")


def day_bounds(day: dt.date, settings: dict) -> tuple[dt.datetime, dt.datetime]:
    """The county day ``day`` as a UTC interval [start, end)."""
    zone = ZoneInfo(zone_name(settings))
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)


def source_of(channel: str, receipt: str) -> str:
    """How sources cite an input: ``self_report:R8K2QX7P``."""
    return f"{channel}:{receipt}"


def not_merged_by(session: Session, day: dt.date, settings: dict) -> list[ChannelInput]:
    """Every input received by the end of the county day ``day`` and not merged yet, oldest
    first: the day's, and an earlier day's that came after that evening's run (20:00-24:00)."""
    _, end = day_bounds(day, settings)
    return list(session.scalars(
        select(ChannelInput).where(ChannelInput.merged_at.is_(None), ChannelInput.received_at < end)
        .order_by(ChannelInput.received_at, ChannelInput.id)))


def waiting_for_review(session: Session, day: dt.date, settings: dict) -> list[ChannelInput]:
    """Inputs of earlier days whose match went to review (merge_result "unmatched")."""
    start, _ = day_bounds(day, settings)
    return list(session.scalars(
        select(ChannelInput).where(ChannelInput.merge_result == UNMATCHED,
                                   ChannelInput.received_at < start)
        .order_by(ChannelInput.received_at, ChannelInput.id)))


def records_of(session: Session, inputs: list[ChannelInput]) -> dict[int, FeedRecord]:
    """The feed records already made for ``inputs``, by input id."""
    wanted = {source_of(ci.channel, ci.receipt): ci.id for ci in inputs}
    found = {}
    for part in in_chunks(list(wanted)):
        for record in session.scalars(select(FeedRecord).join(FeedBatch, FeedBatch.id == FeedRecord.batch_id)
                                      .where(FeedRecord.source_file.in_(part),
                                             FeedBatch.source_kind == SOURCE_KIND)):
            found[wanted[record.source_file]] = record
    return found


def stage(session: Session, vault: Vault, inputs: list[ChannelInput], day: dt.date,
          now: dt.datetime) -> dict[int, FeedRecord]:
    """A feed record for each input that has none yet (in its channel's batch of ``day`` and the
    input's period); returns every input's record, by input id."""
    records = records_of(session, inputs)
    fresh = [ci for ci in inputs if ci.id not in records]
    batches: dict[tuple[str, str], FeedBatch] = {}
    uids = iter(new_uids(len(fresh)))
    for ci in fresh:
        batch = batches.get((ci.channel, ci.period)) or _batch(session, ci, day, now)
        batches[(ci.channel, ci.period)] = batch
        batch.rows_read += 1
        batch.rows_loaded += 1
        batch.arrived_at = min(as_utc(batch.arrived_at), as_utc(ci.received_at))
        uid = next(uids)
        ident = {"uid": uid, "id_status": ci.id_status}
        if ci.id_cipher:  # re-sealed for this table and row: a token is bound to its row
            plain = vault.open(RESIDENT_ID, ci.id_cipher, aad("channel_inputs", "id_cipher", ci.uid))
            ident = {"uid": uid, **identity_columns(vault, "feed_records", uid, plain)}
            del plain
        source = source_of(ci.channel, ci.receipt)
        record = FeedRecord(
            batch_id=batch.id, department=ci.channel, period=ci.period, source_file=source,
            source_row=ci.id, role="person", name=ci.name, township=ci.township,
            village=ci.village, township_id=ci.township_id, village_id=ci.village_id,
            record_hash=hashlib.sha256(source.encode()).hexdigest()[:32],
            fields={"channel": ci.channel, "receipt": ci.receipt, "risk_type": ci.risk_type,
                    "grid": ci.grid},
            raw={}, flags=[], **ident)
        session.add(record)
        records[ci.id] = record
    session.flush()
    return records


def _batch(session: Session, first: ChannelInput, day: dt.date, now: dt.datetime) -> FeedBatch:
    """The loaded batch of one channel's inputs of one day and period (made on first use)."""
    channel, period = first.channel, first.period
    name = f"{channel}:{day.isoformat()}"
    batch = session.scalar(select(FeedBatch).where(
        FeedBatch.source_kind == SOURCE_KIND, FeedBatch.department == channel,
        FeedBatch.period == period, FeedBatch.source_file == name))
    if batch is None:
        batch = FeedBatch(department=channel, period=period, source_file=name,
                          source_kind=SOURCE_KIND, status="loaded", rows_read=0, rows_loaded=0,
                          checksum=hashlib.sha256(f"{name}/{period}".encode()).hexdigest(),
                          arrived_at=first.received_at, loaded_at=now)
        session.add(batch)
        session.flush()
    return batch


def match_row(record: FeedRecord) -> dict:
    """The columns matching compares, for one staged record."""
    return {"record_id": record.id, **{c: getattr(record, c) for c in MATCH_COLUMNS}}
