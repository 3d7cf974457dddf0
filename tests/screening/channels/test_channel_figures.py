"""The digest's per-channel table (screening/publish/channel_figures.py and its template partial),
counted from what the daily merges made of a month's inputs, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from openpyxl import Workbook, load_workbook

from screening.channels.grading import channel_labels
from screening.publish.channel_figures import HEADERS, channel_figures, day_channel_figures, write_channel_sheet
from screening.publish.digest import TEMPLATES
from screening.rules import load_rules
from shouwang.daily import run_day
from tests.screening.channels.factory import DAY, MORNING, Reports
from warehouse.db import session_scope


def month_of_inputs(ctx, tmp_path) -> Reports:
    """Two days: a roster report, its repeat, a stranger, a petition; one input not merged yet."""
    county = Reports(ctx)
    county.household("500230001001000001", head="张三")
    county.neighbours()
    head = county.plain_ids[0]
    county.report("张三", head)
    county.report("李四", county.new_id(dt.date(1988, 6, 1)))
    county.report("张三", head, channel="petition", risk_type="housing")
    run_day(ctx, DAY, tmp_path)
    county.report("张三", head, received_at=MORNING + dt.timedelta(days=1))  # same risk again
    run_day(ctx, DAY + dt.timedelta(days=1), tmp_path)
    county.report("王五", county.new_id(dt.date(1977, 7, 7)), received_at=MORNING + dt.timedelta(days=2))
    return county


def figures_of(ctx, day: dt.date | None = None) -> dict:
    rules = load_rules(ctx.settings, "2026-10", ctx.home)
    labels = channel_labels(ctx.settings, "2026-10", ctx.home, rules)
    with session_scope(ctx.engine) as s:
        if day is None:
            return channel_figures(s, "2026-10", labels)
        return day_channel_figures(s, day, ctx.settings, labels)


def test_the_months_table_counts_every_channel(ctx, tmp_path):
    month_of_inputs(ctx, tmp_path)
    f = figures_of(ctx)
    rows = {r["channel"]: r for r in f["rows"]}
    assert list(rows)[:2] == ["self_report", "hotline"] and len(rows) == 7  # every channel listed
    assert {k: rows["self_report"][k] for k in ("received", "matched", "leads", "duplicates", "warnings",
                                                "pending")} == \
        {"received": 4, "matched": 2, "leads": 1, "duplicates": 1, "warnings": 2, "pending": 1}
    assert rows["petition"]["received"] == 1 and rows["petition"]["warnings"] == 1
    assert rows["media"]["received"] == 0 and rows["self_report"]["label"] == "农户自主申报"
    assert f["total"]["received"] == 5 and f["total"]["warnings"] == 3
    day = figures_of(ctx, DAY)
    assert day["total"]["received"] == 3 and day["total"]["pending"] == 0


def test_the_template_partial_and_the_sheet_show_the_table(ctx, tmp_path):
    month_of_inputs(ctx, tmp_path)
    f = figures_of(ctx)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined)
    html = env.get_template("digest_channels.html.j2").render(f={"channels": f})
    assert '<table id="channels">' in html and html.count("<tr>") == 1 + 7 + 1
    assert "<td class=\"text\">农户自主申报</td><td>4</td><td>2</td><td>1</td>" in html
    empty = {**f, "total": {**f["total"], "received": 0}}
    assert "本期各渠道未收到申报或线索" in env.get_template("digest_channels.html.j2").render(f={"channels": empty})
    wb = Workbook()
    write_channel_sheet(wb, f, "示范县 预警汇总 2026-10")
    path = tmp_path / "digest.xlsx"
    wb.save(path)
    ws = load_workbook(path)["各渠道汇总"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(values) if r[0] == HEADERS[0])
    assert values[at] == HEADERS and values[at + 1][:2] == ["农户自主申报", 4] and values[-1][0] == "合计"
