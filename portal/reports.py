"""Self-reports and staff-entered leads: checked, sealed the moment they arrive, filed with a
receipt (issue 17). The daily merge (another room) later reads the stored rows.

A report names a person and a place of the county's regions table; the resident ID and phone
leave this module only as ciphertext, blind keys and masks (``warehouse.sensitive``). Every
refusal is an ``InvalidInput`` in Chinese naming the field, never echoing an ID or phone.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from connectors.regions import Place, RegionIndex, region_suffixes
from portal.errors import InvalidInput, NotFound
from portal.inputs import clean_text
from portal.principal import Principal
from shouwang.core.clock import local_date
from warehouse import identity
from warehouse.channel_tables import CHANNELS, ChannelInput
from warehouse.crypto import Vault
from warehouse.masking import mask_id, mask_phone, mask_text
from warehouse.models import Household, Person, Region, RiskWarning, new_uids, utcnow
from warehouse.sensitive import (PHONE, RESIDENT_ID, blind_columns, clean_phone, identity_columns,
                                 sealed_pair)

SELF_REPORT = "self_report"
LEAD_CHANNELS = tuple(c for c in CHANNELS if c != SELF_REPORT)
# No 0/O, 1/I/L: a receipt read aloud on the phone or copied by hand cannot be mistaken.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TEXT_FIELDS = ("name", "resident_id", "phone", "township", "village", "risk_type",
               "description", "channel")
LABELS = {"name": "姓名", "resident_id": "身份证号", "phone": "联系电话", "township": "乡镇",
          "village": "村（社区）", "risk_type": "遇到的困难", "description": "情况说明",
          "channel": "来源渠道"}
CHANNEL_LABELS = {"self_report": "农户自主申报", "hotline": "热线电话", "petition": "信访",
                  "media": "舆情（媒体）", "city_feedback": "市级反馈", "cadre": "干部排查",
                  "grid": "网格员排查"}
# Why an ID is refused, in the words on the form (warehouse.identity reason codes).
ID_PROBLEMS = {
    identity.BLANK: "请填写身份证号",
    identity.BAD_CHARS: "身份证号只能是数字，最后一位可以是 X",
    identity.BAD_LENGTH: "身份证号应为 18 位",
    identity.BAD_REGION: "身份证号前两位（省份）不对，请核对",
    identity.BAD_DATE: "身份证号中的出生日期不对，请核对",
    identity.BAD_CHECKSUM: "身份证号最后一位（校验位）不对，请逐位核对后重新填写",
}
_MOBILE_OR_LANDLINE = re.compile(r"1[3-9]\d{9}|0\d{9,11}|\d{7,8}")
_DIGIT = re.compile(r"\d")
# Ten or more digits, maybe in groups, maybe ending in an ID's X: a number someone typed.
_GROUPED_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])\d(?:[ \t\u3000\-]*\d){9,}(?:[ \t\u3000\-]*[Xx])?(?![0-9A-Za-z])")
_SEPARATORS = re.compile(r"[ \t\u3000\-]")


@dataclass(frozen=True)
class Intake:
    """A checked report or lead, before it is sealed and stored."""

    channel: str
    name: str
    resident_id: str | None  # cleaned (identity.clean), valid
    phone: str | None  # digits
    township: Place
    village: Place
    risk_type: str
    description: str | None  # IDs and phones inside masked


@dataclass(frozen=True)
class ReportStatus:
    """What a reporter may read by receipt: no name, ID, phone or place."""

    receipt: str
    stage: str  # received | handed | verifying | done
    status: str  # 已收到 | 已交乡镇 | 核实中 | 已办结
    received_on: str  # the county's date, YYYY-MM-DD


def places(session: Session, settings: dict) -> RegionIndex:
    """The county's townships and villages (regions table), looked up by short name."""
    return RegionIndex.from_connection(session, region_suffixes(settings))


def place_choices(session: Session) -> dict[str, list[str]]:
    """Township -> its villages (official names, in name order), for the forms."""
    parents = dict(session.execute(select(Region.id, Region.name)
                                   .where(Region.level == "township")).all())
    out: dict[str, list[str]] = {name: [] for name in sorted(parents.values())}
    for parent, name in session.execute(select(Region.parent_id, Region.name)
                                        .where(Region.level == "village")
                                        .order_by(Region.name)):
        if parent in parents:
            out[parents[parent]].append(name)
    return out


def risk_choices(settings: dict, risk_types: dict[str, str]) -> list[tuple[str, str]]:
    """(everyday words, risk type code) of settings reports.choices the rules know."""
    return [(c["text"], c["risk_type"]) for c in settings["reports"]["choices"]
            if c.get("risk_type") in risk_types]


def check_input(data: object, settings: dict, index: RegionIndex, risk_types: dict[str, str],
                channel: str | None = None) -> Intake:
    """A JSON body checked field by field: a self-report (``channel`` given) needs name, ID,
    phone and place; a lead (channel in the body) needs name, place and its channel."""
    if not isinstance(data, dict):
        raise InvalidInput("请求内容应为 JSON 对象（{\"name\": …}）", None)
    limits = settings["reports"]["max_lengths"]
    values = {field: _text(data, field, limits.get(field, 64)) for field in TEXT_FIELDS}
    if channel is None:
        channel = values["channel"]
        if channel not in LEAD_CHANNELS:
            raise InvalidInput(f"来源渠道应为 {' | '.join(LEAD_CHANNELS)} 之一", "channel")
    is_self = channel == SELF_REPORT
    name = values["name"]
    if not name:
        raise InvalidInput("请填写姓名", "name")
    if _DIGIT.search(name):
        raise InvalidInput("姓名不能含数字：身份证号和电话请填在各自的栏里", "name")
    resident_id = _resident_id(values["resident_id"], required=is_self)
    phone = _phone(values["phone"], required=is_self)
    township, village = _place(index, values["township"], values["village"])
    return Intake(channel=channel, name=name, resident_id=resident_id, phone=phone,
                  township=township, village=village,
                  risk_type=_risk_type(values["risk_type"], settings, risk_types),
                  description=_masked(values["description"]))


def _masked(text: str | None) -> str | None:
    """Free text with any ID or phone inside masked, also one typed in groups with spaces or
    dashes (500230 19850607 0182, 139-1234-0001)."""
    if not text:
        return None

    def grouped(m: re.Match) -> str:
        digits = _SEPARATORS.sub("", m.group())
        if len(digits) >= 15:
            return mask_id(digits)
        return mask_phone(digits) if len(digits) == 11 else m.group()

    return mask_text(_GROUPED_NUMBER.sub(grouped, text))


def _text(data: dict, field: str, max_length: int) -> str | None:
    """One field as trimmed text (None when absent or blank)."""
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{LABELS[field]}应为文字", field)
    return clean_text(value, field, LABELS[field], max_length)


def _resident_id(value: str | None, required: bool) -> str | None:
    """A valid ID, cleaned; the reason in words when it is not one (never the ID itself)."""
    if value is None and not required:
        return None
    parsed = identity.parse(value)
    if not parsed.valid:
        raise InvalidInput(ID_PROBLEMS.get(parsed.status, "身份证号不对，请核对"), "resident_id")
    return identity.clean(value)


def _phone(value: str | None, required: bool) -> str | None:
    """A mobile or landline number as digits (+86 dropped)."""
    if value is None:
        if required:
            raise InvalidInput("请填写联系电话，乡镇核实时会打给您", "phone")
        return None
    digits = clean_phone(value)
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    if not _MOBILE_OR_LANDLINE.fullmatch(digits):
        raise InvalidInput("联系电话应为 11 位手机号，或带区号的固定电话", "phone")
    return digits


def _place(index: RegionIndex, township: str | None, village: str | None) -> tuple[Place, Place]:
    """The official township and village; the county's regions table must have both."""
    if not township:
        raise InvalidInput("请选择乡镇", "township")
    if not village:
        raise InvalidInput("请选择村（社区）", "village")
    t_place, _ = index.resolve(township, None)
    if t_place.region_id is None:
        raise InvalidInput(f"本县没有乡镇“{mask_text(township)}”，请从列表中选择", "township")
    t_place, v_place = index.resolve(township, village)
    if v_place.region_id is None:
        raise InvalidInput(f"{t_place.name}没有村（社区）“{mask_text(village)}”，请从列表中选择",
                           "village")
    return t_place, v_place


def _risk_type(value: str | None, settings: dict, risk_types: dict[str, str]) -> str:
    """A risk type code from its code, its label (因病) or the everyday words of the form."""
    if not value:
        raise InvalidInput("请选择遇到的困难", "risk_type")
    if value in risk_types:
        return value
    by_words = {label: code for code, label in risk_types.items()}
    by_words.update({words: code for words, code in risk_choices(settings, risk_types)})
    if value in by_words:
        return by_words[value]
    raise InvalidInput(f"遇到的困难应为 {'、'.join(risk_types)} 之一（或其中文名称）", "risk_type")


def check_scope(principal: Principal, intake: Intake, index: RegionIndex) -> None:
    """A township files leads for its township, a village or grid worker for their village;
    anything else does not exist for them (404, as another township's warnings)."""
    if principal.is_county:
        return
    own_township, own_village = index.resolve(principal.township, principal.village)
    if intake.township.name != own_township.name:
        raise NotFound("您的辖区内没有这个乡镇或村")
    if principal.role in ("village", "grid") and intake.village.name != own_village.name:
        raise NotFound("您的辖区内没有这个乡镇或村")


def check_grid_person(session: Session, vault: Vault, principal: Principal, intake: Intake) -> None:
    """A grid worker reports only for the grid's households: a lead whose ID is a roster person
    of another household answers 404 (someone not on the roster, a 应纳未纳 lead, may be filed)."""
    if principal.role != "grid" or not intake.resident_id:
        return
    index = blind_columns(vault, RESIDENT_ID, "id", intake.resident_id)["id_index"]
    if index is None:
        return
    households = set(session.scalars(select(Person.household_id).where(Person.id_index == index)))
    if households and not session.scalar(select(func.count(Household.id)).where(
            Household.id.in_(households), principal.household_scope(Household.id))):
        raise NotFound("您的网格内没有这户")


def new_receipt(length: int) -> str:
    """A random receipt code of ``length`` unambiguous characters."""
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(length))


def normalize_receipt(value: str, length: int) -> str | None:
    """A receipt as typed (lower case, spaces, dashes) in stored form; None if it cannot be one."""
    code = re.sub(r"[\s\-]", "", value or "").upper()
    if len(code) != length or any(c not in RECEIPT_ALPHABET for c in code):
        return None
    return code


def allow_receipt(session: Session, settings: dict, receipt: str) -> None:
    """On PostgreSQL, let this transaction's portal role read the row of ``receipt`` (and the
    status of its warning): migration 0011's policies compare it with this setting."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT set_config(:name, :value, true)"),
                    {"name": settings["reports"]["receipt_setting"], "value": receipt})


def file_input(session: Session, vault: Vault, settings: dict, intake: Intake,
               submitted_by: str | None = None, grid: str | None = None) -> ChannelInput:
    """Seal the ID and phone and store the input under a new receipt."""
    receipt = new_receipt(int(settings["reports"]["receipt_length"]))
    allow_receipt(session, settings, receipt)  # INSERT … RETURNING reads the new row back
    uid = new_uids(1)[0]
    sealed = identity_columns(vault, ChannelInput.__tablename__, uid, intake.resident_id) \
        if intake.resident_id else {}
    phone = sealed_pair(vault, PHONE, ChannelInput.__tablename__, "phone_cipher", uid,
                        intake.phone) if intake.phone else {}
    now = utcnow()
    row = ChannelInput(
        uid=uid, receipt=receipt, channel=intake.channel, received_at=now,
        period=local_date(now, settings).strftime("%Y-%m"), name=intake.name,
        phone_masked=mask_phone(intake.phone) or None, township=intake.township.name,
        village=intake.village.name, grid=grid, township_id=intake.township.region_id,
        village_id=intake.village.region_id, risk_type=intake.risk_type,
        description=intake.description, submitted_by=submitted_by, **sealed, **phone)
    session.add(row)
    session.flush()
    return row


def report_status(session: Session, settings: dict, receipt: str) -> ReportStatus | None:
    """The status of the input with this receipt, in words; None when there is none."""
    allow_receipt(session, settings, receipt)
    found = session.execute(
        select(ChannelInput.received_at, ChannelInput.merged_at, ChannelInput.merge_result,
               RiskWarning.status)
        .outerjoin(RiskWarning, RiskWarning.id == ChannelInput.warning_id)
        .where(ChannelInput.receipt == receipt)).first()
    if found is None:
        return None
    received_at, merged_at, merge_result, warning_status = found
    cfg = settings["reports"]
    if merged_at is None:
        stage = "received"
    elif warning_status is None:  # e.g. a match a reviewer must still confirm: not handed yet
        stage = cfg["merge_stage"].get(merge_result, "handed")
    else:
        stage = cfg["warning_stage"].get(warning_status, "verifying")
    return ReportStatus(receipt=receipt, stage=stage, status=cfg["status_words"][stage],
                        received_on=local_date(received_at, settings).isoformat())
