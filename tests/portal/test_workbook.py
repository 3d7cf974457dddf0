"""/queue.xlsx: formula-like villages, names and reasons stay text; any township name gives a workbook."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from shouwang.core.outputs import sheet_title
from tests.core.xlsx_parts import HOSTILE, as_read_back, formulas
from tests.portal.conftest import TOWN_A, _add_household, _add_warning, _password_hash, login
from tests.support.warehouse import SyntheticIds, building
from warehouse.models import FeedBatch, Person, User

HYPERLINK, PLUS, MINUS, AT, TAB, CR = HOSTILE
ODD_TOWN = "镇/\\[A]:*?"  # every character Excel refuses in a sheet title


@pytest.fixture
def hostile(ctx, seed):
    """One warning in TOWN_A and one in ODD_TOWN whose village, head and reason look like formulas."""
    with building(ctx, SyntheticIds(plain=seed.plain_ids)) as b:
        s = b.session
        batch = s.scalars(select(FeedBatch)).first()
        s.add(User(name="odd", role="township", township=ODD_TOWN, password_hash=_password_hash()))
        for n, (town, village, head, reason) in enumerate(
                [(TOWN_A, HYPERLINK, AT, f"{MINUS}：大病确诊"), (ODD_TOWN, TAB, CR, PLUS)], start=90):
            hh, person, rid = _add_household(b, town, n, "500230")
            hh.village = village
            s.get(Person, person.id).name = head
            w = _add_warning(b, seed, hh, batch, person, rid, n, level="red", due=seed.today)
            w.reason = reason
    return seed


def _rows(body: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


def test_formula_like_cells_are_text_in_the_township_workbook(client, hostile):
    login(client, "town_a")
    r = client.get("/queue.xlsx?status=all")
    assert r.status_code == 200
    assert formulas(r.content) == []
    cells = {c for row in _rows(r.content) for c in row}
    assert {HYPERLINK, AT, f"{MINUS}：大病确诊"} <= cells  # village, head, reason verbatim


@pytest.mark.parametrize("user,query", [("admin", {"township": ODD_TOWN}), ("odd", {})])
def test_a_township_with_characters_excel_refuses_still_gets_its_workbook(client, hostile, user, query):
    login(client, user)
    r = client.get("/queue.xlsx", params={"status": "all", **query})
    assert r.status_code == 200, r.text[:300]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.active.title == sheet_title(f"{ODD_TOWN}核实清单") == "镇A核实清单"
    rows = _rows(r.content)
    assert [row[1] for row in rows[1:]] == [ODD_TOWN]
    assert {as_read_back(TAB), as_read_back(CR), PLUS} <= set(rows[1]) and formulas(r.content) == []
    assert r.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
