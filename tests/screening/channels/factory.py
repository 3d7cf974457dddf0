"""Synthetic self-reports and staff leads for the daily-merge tests, sealed as the intake stores them.

Roster households come from the screening tests' ``County``; each input's ID and phone go through
``warehouse.sensitive`` exactly as the portal's intake seals them (ciphertext bound to the row's
uid, blind keys, mask), written with the shared ``Builder``.
"""
from __future__ import annotations

import datetime as dt
import itertools
import uuid

from tests.screening.factory import County
from tests.support.warehouse import Builder
from warehouse.channel_tables import ChannelInput
from warehouse.db import session_scope
from warehouse.masking import mask_phone
from warehouse.sensitive import PHONE, identity_columns, sealed_pair

DAY = dt.date(2026, 10, 15)
# 10:00 in the county (Asia/Shanghai) on DAY.
MORNING = dt.datetime(2026, 10, 15, 2, 0, tzinfo=dt.timezone.utc)


class Reports(County):
    """A small county plus its channel inputs; remembers every ID and phone written."""

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.phones: list[str] = []
        self._seq = itertools.count(1)

    @property
    def secrets(self) -> list[str]:
        """Every plaintext ID and phone written (for the PII scans)."""
        return [*self.plain_ids, *self.phones]

    def neighbours(self, n: int = 8) -> None:
        """``n`` other roster households around the test's own (a county is never one family:
        without a saved model, matching trains on the day's pairs against the roster)."""
        surnames = "王李赵陈刘杨黄周吴徐孙马"
        for k in range(n):
            self.household(f"5002300010020{k:05d}", village="双河村" if k % 2 else "石桥村",
                           head=f"{surnames[k % len(surnames)]}{'明华强'[k % 3]}")

    def phone(self) -> str:
        """A fresh synthetic mobile number."""
        value = f"139{next(self._seq) + 20260000:08d}"
        self.phones.append(value)
        return value

    def report(self, name: str, resident_id: str | None, *, township: str = "龙河镇",
               village: str = "双河村", risk_type: str = "illness", channel: str = "self_report",
               received_at: dt.datetime = MORNING, description: str = "家里有人生了大病",
               submitted_by: str | None = None) -> dict:
        """One input as the intake stores it; returns its id and receipt."""
        uid = uuid.uuid4().hex
        receipt = "R" + uuid.uuid4().hex[:9].upper()
        with session_scope(self.ctx.engine) as s:
            b = Builder(s, self.vault, self.ids)
            ident = identity_columns(b.vault, "channel_inputs", uid, resident_id) if resident_id else {}
            phone = self.phone()
            sealed = sealed_pair(b.vault, PHONE, "channel_inputs", "phone_cipher", uid, phone)
            local = received_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
            row = b.add(ChannelInput(
                uid=uid, receipt=receipt, channel=channel, received_at=received_at,
                period=f"{local.year:04d}-{local.month:02d}", name=name, township=township,
                village=village, risk_type=risk_type, description=description,
                submitted_by=submitted_by, phone_masked=mask_phone(phone), **sealed, **ident))
            return {"id": row.id, "receipt": receipt}
