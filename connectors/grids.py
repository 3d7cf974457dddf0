"""The grid ledger (网格台账, FEEDS.md; seed 003 annex 2): read it and tie every roster household
to its grid.

One row per grid: 乡镇, 村, 村组网格名称, 农户数, the grid worker (网格员姓名, 网格员身份,
网格员联系电话) and the village cadre who answers for it (村级网格员姓名, 村级网格员职务,
村级网格员联系电话). A grid named after a villager group (三组, 3组, 三组网格) holds that group's
roster households; a group split in several grids (三组第一网格, 三组第二网格) — or a grid named
otherwise — lists its households by 户编号 in another sheet of the workbook (户编号, 村组网格名称).

The load is all or nothing: a household in two grids or in none, an unknown place or 户编号, or a
grid listed twice stops it with every problem named by file, row and column, and nothing is
written. A load replaces the previous grids and ties in one transaction, so loading the same
ledger again changes nothing and a corrected ledger replaces the old one.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Row, bindparam, delete, select, update

from connectors.contract import Contract, column, optional, required
from connectors.errors import FeedError
from connectors.plan import ingest_settings
from connectors.reader import Located, Sheet, locate, read_sheet
from connectors.regions import region_suffixes, short_name
from shouwang.context import Context
from shouwang.core.errors import Problems, UserError
from warehouse.db import bulk_insert
from warehouse.grid_tables import Grid, HouseholdGrid
from warehouse.masking import mask_phone
from warehouse.models import Household, new_uids, utcnow
from warehouse.sensitive import PHONE, sealed_pair

log = logging.getLogger(__name__)

LEDGER = Contract(
    department="grid_ledger", label="网格台账", role="head",
    fields=(
        required("township", ("乡镇", "乡镇（街道）", "乡镇（街道、开发区）")),
        required("village", ("村", "村（社区）", "行政村")),
        required("name", ("村组网格名称", "网格名称", "网格")),
        optional("households", ("农户数", "户数")),
        column("worker_name", ("网格员姓名", "村组网格员姓名", "村组网格员")),
        optional("worker_role", ("网格员身份", "村组网格员身份", "网格员职务")),
        optional("worker_phone", ("网格员联系电话", "村组网格员联系电话", "网格员电话"),
                 sensitive=True),
        optional("cadre_name", ("村级网格员姓名", "村级网格员")),
        optional("cadre_title", ("村级网格员职务",)),
        optional("cadre_phone", ("村级网格员联系电话", "村级网格员电话"), sensitive=True),
    ),
)
# The sheet listing the households of grids that are not a whole villager group.
MEMBERS = Contract(
    department="grid_members", label="网格农户", role="head",
    fields=(
        required("household_no", "户编号"),
        required("name", ("村组网格名称", "网格名称", "网格")),
        optional("township", ("乡镇", "乡镇（街道）")),
        optional("village", ("村", "村（社区）", "行政村")),
    ),
)
# Problems listed in the error; the rest are counted (a wrong ledger can name thousands).
SHOWN_PROBLEMS = 8

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百]+")
# 三组 / 第三村民小组 / 3组, then 网格 or 第一网格 (seed 003 annex 2, note 1), or nothing.
_GRID_OF_GROUP = re.compile(r"^(?P<group>.+?(?:村民小组|小组|组))(?:第?[0-9零〇一二两三四五六七八九十]*网格)?$")
_SPACES = re.compile(r"[\s\u3000]+")


def _chinese_number(text: str) -> str:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零三 → 103 (villager group numbers)."""
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[ch]
    return str(total + current)


def group_key(text: str | None, suffixes: tuple[str, ...]) -> str:
    """A villager group's name reduced to compare across files: 第三村民小组, 三组, 3组 → 3."""
    s = _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))
    s = short_name(s, suffixes).removeprefix("第")
    s = _NUMERAL.sub(lambda m: _chinese_number(m.group()), s)
    return s.lstrip("0") or s


def grid_group(name: str) -> str | None:
    """The villager group a grid's name names (三组第一网格 → 三组), or None (石桥网格)."""
    found = _GRID_OF_GROUP.match(_SPACES.sub("", unicodedata.normalize("NFKC", name)))
    return found.group("group") if found else None


@dataclass
class LedgerGrid:
    """One grid row of the ledger, as read (phones still plain: sealed before storing)."""

    row: int
    township: str
    village: str
    name: str
    households: int | None
    worker_name: str | None
    worker_role: str | None
    worker_phone: str | None
    cadre_name: str | None
    cadre_title: str | None
    cadre_phone: str | None


@dataclass
class GridLoadResult:
    """What a load did; safe to log (no phone, no ID)."""

    source_file: str
    grids: int = 0
    households: int = 0
    by_group: int = 0  # households tied through their villager group
    by_list: int = 0  # households tied through the 户编号 sheet
    removed_grids: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """The result as a plain dict."""
        return asdict(self)


def _located(sheet: Sheet, contract: Contract, cfg: dict) -> Located | None:
    """The sheet located against ``contract`` when every required column is in its header."""
    found = locate(sheet, contract, int(cfg.get("header_scan_rows", 30)),
                   tuple(cfg.get("totals_labels", ("合计",))))
    return found if not found.missing else None


def _sheets(path: Path, cfg: dict) -> tuple[Located, list[Located]]:
    """The ledger sheet and any 户编号 sheets of the file; UserError when no sheet is a ledger."""
    try:
        first = read_sheet(path)
    except FeedError as e:
        raise UserError(str(e)) from None
    ledger, members = None, []
    for sheet in (first, *first.others):
        listed = _located(sheet, MEMBERS, cfg)  # first: a 户编号 sheet may also name 乡镇 and 村
        if listed is not None:
            members.append(listed)
        elif ledger is None:
            ledger = _located(sheet, LEDGER, cfg)
    if ledger is None:
        heads = "、".join(f.headers[0] for f in LEDGER.required_fields)
        raise UserError(f"{path.name}: 找不到网格台账的表头（需要列 {heads}）；"
                        "请按 FEEDS.md「网格台账」的列名整理后重试")
    return ledger, members


def _cell(loc: Located, i: int, name: str) -> str | None:
    col = loc.mapping.get(name)
    if col is None:
        return None
    row = loc.sheet.rows[i]
    text = row[col].strip() if col < len(row) else ""
    return text or None


def _where(loc: Located, i: int, name: str) -> str:
    """'表 X 第 n 行「列」' for a message (the sheet only for workbooks)."""
    sheet = f"工作表「{loc.sheet.sheet_name}」" if loc.sheet.sheet_name else ""
    header = loc.headers[loc.mapping[name]] if name in loc.mapping else name
    return f"{sheet}第 {loc.sheet.row_numbers[i]} 行「{header}」列"


def _read_grids(loc: Located, problems: Problems) -> list[LedgerGrid]:
    """The ledger's grid rows; blank required cells and bad counts are problems."""
    out = []
    for i in loc.data_rows:
        values = {f.name: _cell(loc, i, f.name) for f in LEDGER.fields}
        blank = [n for n in ("township", "village", "name") if not values[n]]
        for n in blank:
            problems.add(f"{_where(loc, i, n)}为空")
        households = None
        if values["households"]:
            try:
                households = int(float(values["households"]))
            except ValueError:
                problems.add(f"{_where(loc, i, 'households')}「{values['households']}」不是户数")
        if blank:
            continue
        out.append(LedgerGrid(loc.sheet.row_numbers[i], values["township"], values["village"],
                              values["name"], households, values["worker_name"],
                              values["worker_role"], values["worker_phone"], values["cadre_name"],
                              values["cadre_title"], values["cadre_phone"]))
    return out


class _Places:
    """The roster's townships and villages by short name (the households' own spelling)."""

    def __init__(self, households: list, suffixes: dict):
        self.suffixes = suffixes
        self.townships: dict[str, str] = {}
        self.villages: dict[tuple[str, str], str] = {}
        for h in households:
            if h.township:
                self.townships[short_name(h.township, suffixes["township"])] = h.township
                if h.village:
                    self.villages[(h.township, short_name(h.village, suffixes["village"]))] = h.village

    def township(self, text: str) -> str | None:
        """The roster's name of this township, or None."""
        return self.townships.get(short_name(text, self.suffixes["township"]))

    def village(self, township: str, text: str) -> str | None:
        """The roster's name of this village of ``township``, or None."""
        return self.villages.get((township, short_name(text, self.suffixes["village"])))


def _resolve_grids(loc: Located, rows: list[LedgerGrid], places: _Places,
                   problems: Problems) -> dict[tuple[str, str, str], LedgerGrid]:
    """Grids by (township, village, name) in the roster's spelling; unknown places and grids
    listed twice are problems."""
    by_key: dict[tuple[str, str, str], LedgerGrid] = {}
    rows_of = {loc.sheet.row_numbers[i]: i for i in loc.data_rows}
    for g in rows:
        i = rows_of[g.row]
        town = places.township(g.township)
        if town is None:
            problems.add(f"{_where(loc, i, 'township')}「{g.township}」不是花名册中的乡镇")
            continue
        village = places.village(town, g.village)
        if village is None:
            problems.add(f"{_where(loc, i, 'village')}「{g.village}」不是花名册中 {town} 的村")
            continue
        g.township, g.village = town, village
        key = (town, village, g.name)
        if key in by_key:
            problems.add(f"{_where(loc, i, 'name')}「{g.name}」在 {town}{village} 重复"
                         f"（第 {by_key[key].row} 行已有）")
            continue
        by_key[key] = g
    return by_key


def _listed(members: list[Located], grids: dict, by_no: dict[str, Row],
            problems: Problems) -> dict[int, list[tuple[tuple, str]]]:
    """Household id → the grids the 户编号 sheets put it in, each with where it was said."""
    names = defaultdict(list)  # (village-free) grid name → keys, to find a grid by its name
    for key in grids:
        names[key[2]].append(key)
    out: dict[int, list[tuple[tuple, str]]] = defaultdict(list)
    for loc in members:
        for i in loc.data_rows:
            no, name = _cell(loc, i, "household_no"), _cell(loc, i, "name")
            if not no or not name:
                problems.add(f"{_where(loc, i, 'household_no' if not no else 'name')}为空")
                continue
            hh = by_no.get(no)
            if hh is None:
                problems.add(f"{_where(loc, i, 'household_no')}「{no}」不是花名册中的户编号")
                continue
            key = (hh.township, hh.village, name)
            if key not in grids:
                where = "、".join(f"{k[0]}{k[1]}" for k in names.get(name, [])) or "台账中没有"
                problems.add(f"{_where(loc, i, 'name')}「{name}」：户 {no} 在 {hh.township}"
                             f"{hh.village}，该村没有这个网格（此名称的网格在：{where}）")
                continue
            out[hh.id].append((key, _where(loc, i, "household_no")))
    return out


def plan_ties(ctx: Context, path: Path) -> tuple[dict[tuple, LedgerGrid], dict[int, tuple], GridLoadResult]:
    """Read the ledger at ``path`` and decide every active household's grid; UserError naming
    each problem (nothing is written here)."""
    path = Path(path)
    cfg = ingest_settings(ctx.settings)
    suffixes = region_suffixes(ctx.settings)
    ledger, members = _sheets(path, cfg)
    problems = Problems(f"网格台账 {path.name}", "请改正台账后重新运行 shouwang grids load", SHOWN_PROBLEMS)
    result = GridLoadResult(path.name)
    with ctx.engine.connect() as conn:  # plain rows: a county has a few hundred thousand
        households = conn.execute(
            select(Household.id, Household.household_no, Household.township, Household.village,
                   Household.group_name)
            .where(Household.active.is_(True)).order_by(Household.id)).all()
    if not households:
        raise UserError("花名册还没有导入，网格无从对应；请先运行 shouwang registry load 花名册文件")
    places = _Places(households, suffixes)
    grids = _resolve_grids(ledger, _read_grids(ledger, problems), places, problems)
    by_no = {h.household_no: h for h in households}
    listed = _listed(members, grids, by_no, problems)
    listing_grids = {key for ties in listed.values() for key, _ in ties}
    # A grid with no 户编号 list holds its whole villager group.
    by_group: dict[tuple[str, str, str], list[tuple]] = defaultdict(list)
    for key, g in grids.items():
        group = grid_group(g.name)
        if key not in listing_grids and group:
            by_group[(key[0], key[1], group_key(group, suffixes["group"]))].append(key)
    ties: dict[int, tuple] = {}
    row_of = {key: g.row for key, g in grids.items()}
    unplaced: dict[str, list[str]] = defaultdict(list)
    keys: dict[str | None, str] = {}  # a county has a few dozen group spellings
    for h in households:
        # A household listed twice under one grid is in that grid once.
        firsts: dict[tuple, str] = {}
        for key, where in listed.get(h.id, []):
            firsts.setdefault(key, where)
        named = list(firsts.items())
        if h.group_name not in keys:
            keys[h.group_name] = group_key(h.group_name, suffixes["group"])
        gk = (h.township, h.village, keys[h.group_name])
        grouped = [(key, f"台账第 {row_of[key]} 行（按{h.group_name}）")
                   for key in by_group.get(gk, []) if h.group_name]
        found = named + grouped
        if len(found) > 1:
            said = "、".join(f"「{key[2]}」（{where}）" for key, where in found)
            problems.add(f"户 {h.household_no} 同时在 {len(found)} 个网格：{said}")
        elif not found:
            place = f"{h.township or '（无乡镇）'}{h.village or '（无村）'}{h.group_name or '（无组）'}"
            unplaced[place].append(h.household_no)
        else:
            ties[h.id] = (found[0][0], h.township)
            result.by_list += len(named)
            result.by_group += len(grouped)
    for place, nos in unplaced.items():
        sample = "、".join(nos[:3]) + (f" 等 {len(nos)} 户" if len(nos) > 3 else "")
        problems.add(f"{place} 的户 {sample} 不在任何网格：在台账「村组网格名称」列"
                     f"添加该组的网格，或在户编号表中列出这些户")
    problems.raise_if_any()
    # 农户数 counts every farm household of the grid; the roster holds only monitored ones,
    # so only a roster count above it says the ledger is out of date.
    counted = defaultdict(int)
    for key, _ in ties.values():
        counted[key] += 1
    for key, g in grids.items():
        if g.households is not None and counted[key] > g.households:
            result.notes.append(f"{key[0]}{key[1]}「{key[2]}」：台账农户数 {g.households}，"
                                f"花名册中已有 {counted[key]} 户；请更新台账")
    return grids, ties, result


def load_grids(ctx: Context, path: Path) -> GridLoadResult:
    """Replace the grids and every household's grid with those of the ledger at ``path``."""
    grids, ties, result = plan_ties(ctx, path)
    vault = ctx.vault()
    source = Path(path).name
    now = utcnow()
    table = Grid.__table__
    with ctx.engine.begin() as conn:  # one transaction: readers see the old ties or the new
        old = {(r.township, r.village, r.name): (r.id, r.uid)
               for r in conn.execute(select(Grid.id, Grid.uid, Grid.township, Grid.village, Grid.name))}
        conn.execute(delete(HouseholdGrid))
        kept, new = [], []
        for key, g in grids.items():
            gid, uid = old.pop(key, (None, None))
            # The uid is part of the phones' AAD: a new grid's is set before sealing.
            values = _values(g, uid or new_uids(1)[0], vault, source, now)
            if gid is None:
                new.append({**values, "township": key[0], "village": key[1], "name": key[2]})
            else:
                kept.append({**values, "gid": gid})
        if kept:
            conn.execute(update(table).where(table.c.id == bindparam("gid")),
                         [{k: v for k, v in row.items() if k != "uid"} for row in kept])
        if old:
            conn.execute(delete(Grid).where(Grid.id.in_([gid for gid, _ in old.values()])))
        bulk_insert(conn, table, new)
        ids = {(r.township, r.village, r.name): r.id
               for r in conn.execute(select(Grid.id, Grid.township, Grid.village, Grid.name))}
        bulk_insert(conn, HouseholdGrid.__table__,
                    [{"household_id": hid, "grid_id": ids[key], "township": town}
                     for hid, (key, town) in ties.items()])
    result.removed_grids = len(old)
    result.grids, result.households = len(grids), len(ties)
    log.info("grid ledger %s: %s", source, {k: v for k, v in result.summary().items()
                                            if k != "notes"})
    return result


def _values(g: LedgerGrid, uid: str, vault, source: str, now) -> dict:
    """A grid's columns from its ledger row; phones sealed (bound to ``uid``), indexed, masked."""
    out = {"uid": uid, "group_name": grid_group(g.name), "households_declared": g.households,
           "worker_name": g.worker_name, "worker_role": g.worker_role,
           "cadre_name": g.cadre_name, "cadre_title": g.cadre_title,
           "source_file": source, "source_row": g.row, "loaded_at": now}
    for prefix, phone in (("worker_phone", g.worker_phone), ("cadre_phone", g.cadre_phone)):
        out.update(sealed_pair(vault, PHONE, "grids", f"{prefix}_cipher", uid, phone))
        out[f"{prefix}_masked"] = mask_phone(phone) or None
    return out
