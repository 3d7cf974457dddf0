"""`export links` speaks the roster's language: household_id is the roster's 户编号."""
import csv

from matching.export import COLUMNS, export_links
from matching.linker import link_period
from tests.matching.factory import PERIOD, add_batch, populate_roster
from tests.support.pii import find_plaintext
from tests.support.warehouse import building


def test_links_export_gives_the_rosters_household_number(ctx, tmp_path):
    with building(ctx) as w:
        people = populate_roster(w, households=30, seed=3)
        sample = people[::2]
        add_batch(w, "health", [{"name": p["name"], "raw_id": p["raw_id"], "township": p["township"],
                                 "village": p["village"]} for p in sample]
                  + [{"name": "欧阳明", "raw_id": "", "township": "龙河镇", "village": "三合村"}])
    # populate_roster numbers households 5002300<h:05d> in the order it makes them.
    number_of = {}
    for p in people:
        number_of.setdefault(p["household_id"], f"5002300{len(number_of):05d}")
    link_period(ctx, PERIOD)

    out = export_links(ctx, PERIOD, tmp_path / "links.csv")
    with open(out["path"], encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert tuple(header) == COLUMNS  # columns and their order unchanged
    by_row = {int(r[2]): dict(zip(header, r)) for r in rows}
    for i, p in enumerate(sample):
        line = by_row[i + 2]
        assert line["status"] == "auto", line
        assert line["household_id"] == number_of[p["household_id"]]
    assert by_row[len(sample) + 2]["household_id"] == ""  # nobody on the roster: blank
    surrogate = {str(p["household_id"]) for p in people}
    assert not surrogate & {r[3] for r in rows}
    assert find_plaintext([tmp_path], [p["raw_id"] for p in people]) == []
