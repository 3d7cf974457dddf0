"""link_period on SQLite and PostgreSQL: one link per loaded record, idempotent, decisions reused."""
import csv
import json

from sqlalchemy import func, select

from matching.export import export_links
from matching.linker import link_period
from matching.review import decide, review_queue
from tests.matching.factory import PERIOD, add_batch, add_household, populate_roster
from tests.support.warehouse import building
from warehouse.models import FeedRecord, Link, MatchDecision


def _typo(raw: str) -> str:
    return raw[:10] + str((int(raw[10]) + 3) % 10) + raw[11:]


def _setup(ctx):
    """A roster, a health feed about 60 of its people (with noise), a housing feed, strangers."""
    with building(ctx) as w:
        people = populate_roster(w, households=120)
        # Two namesakes in one village, different households: a blank-ID record cannot choose.
        add_household(w, "500230099001", "龙河镇", "三合村", [("何静", "户主", "")])
        add_household(w, "500230099002", "龙河镇", "三合村", [("何静", "户主", "")])
        sample = people[::3][:60]
        rows = []
        for i, p in enumerate(sample):
            raw = _typo(p["raw_id"]) if i % 10 == 1 else p["raw_id"]
            name = " ".join(p["name"]) if i % 10 == 2 else p["name"]
            town = p["township"].removesuffix("镇").removesuffix("乡") if i % 4 == 0 else p["township"]
            rows.append({"name": name, "raw_id": raw, "township": town, "village": p["village"]})
        rows.append({"name": "何静", "raw_id": "", "township": "龙河镇", "village": "三合村"})
        rows.append({"name": "欧阳明", "raw_id": "500230199001010012", "township": "龙河镇",
                     "village": "三合村"})  # a stranger, not on the roster
        add_batch(w, "health", rows)
        heads = [p for p in people if p["relation"] == "户主"][:20]
        add_batch(w, "housing", [
            {"name": p["name"], "raw_id": p["raw_id"], "township": p["township"],
             "village": p["village"], "role": "head"} for p in heads])
        add_batch(w, "water", [{"name": heads[0]["name"], "raw_id": heads[0]["raw_id"],
                                "role": "head"}], status="superseded")
    return people, sample, heads


def _links(ctx):
    with ctx.engine.connect() as conn:
        rows = conn.execute(
            select(Link.record_id, Link.person_id, Link.household_id, Link.status, Link.explanation,
                   FeedRecord.department, FeedRecord.source_row, FeedRecord.name)
            .join(FeedRecord, FeedRecord.id == Link.record_id)).mappings().all()
    return {(r["department"], r["source_row"]): r for r in rows}


def test_link_period_links_every_loaded_record_once_and_is_idempotent(ctx, tmp_path):
    people, sample, heads = _setup(ctx)
    first = link_period(ctx, PERIOD)
    assert first["records"] == len(sample) + 2 + len(heads)
    links = _links(ctx)
    assert len(links) == first["records"]
    assert not any(dept == "water" for dept, _ in links)  # superseded batch ignored
    for i, p in enumerate(sample):
        link = links[("health", i + 2)]
        assert link["status"] == "auto", (i, link["explanation"].get("text_zh"))
        assert (link["person_id"], link["household_id"]) == (p["person_id"], p["household_id"])
        assert link["explanation"]["terms"] and "匹配概率" in link["explanation"]["text_zh"]
    for i, p in enumerate(heads):
        assert links[("housing", i + 2)]["household_id"] == p["household_id"]
    namesake = links[("health", len(sample) + 2)]
    assert namesake["status"] == "review" and namesake["explanation"].get("ambiguous")
    stranger = links[("health", len(sample) + 3)]
    assert stranger["status"] == "none" and stranger["household_id"] is None

    # the month's trained model is kept for the daily merge (numbers only, no record)
    from matching.incremental import load_model, model_path
    from matching.person_frames import person_spec

    saved = load_model(ctx.home, person_spec(ctx.settings))
    assert saved is not None and 0 < saved.match_rate < 1
    assert not any(p["name"] in model_path(ctx.home).read_text(encoding="utf-8") for p in sample)

    second = link_period(ctx, PERIOD)
    assert {k: second[k] for k in ("records", "auto", "review", "none")} == \
        {k: first[k] for k in ("records", "auto", "review", "none")}
    with ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Link)).scalar() == first["records"]

    out = export_links(ctx, PERIOD, tmp_path / "links.csv")
    with open(out["path"], encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert out["rows"] == len(rows) == first["records"] and out["unlinked"] == 0
    assert set(rows[0]) == {"department", "source_file", "source_row", "household_id", "score",
                            "status"}
    assert {r["status"] for r in rows} <= {"auto", "review", "none"}
    assert len({(r["source_file"], r["source_row"]) for r in rows}) == len(rows)


def test_review_decisions_are_remembered_and_reused(ctx):
    people, sample, _ = _setup(ctx)
    link_period(ctx, PERIOD)
    queue = review_queue(ctx, PERIOD)
    item = next(q for q in queue if q["record_name"] == "何静")
    shown = repr(queue)
    assert not any(p["raw_id"] in shown for p in people)  # IDs only masked, never in clear
    decide(ctx, item["id"], "accept", "reviewer1")
    with ctx.engine.connect() as conn:
        chosen = conn.execute(select(Link.person_id).where(Link.id == item["id"])).scalar()
        assert conn.execute(select(func.count()).select_from(MatchDecision)).scalar() == 1
    again = link_period(ctx, PERIOD)
    assert again["accepted"] == 1
    namesake = _links(ctx)[("health", len(sample) + 2)]
    assert namesake["status"] == "accepted" and namesake["person_id"] == chosen

    # A rejected pair is not offered again: the record falls to the other candidate or none.
    auto_link = _links(ctx)[("health", 2)]
    with ctx.engine.connect() as conn:
        link_id = conn.execute(select(Link.id).where(Link.record_id == auto_link["record_id"])).scalar()
    decide(ctx, link_id, "reject", "reviewer1")
    link_period(ctx, PERIOD)
    assert _links(ctx)[("health", 2)]["person_id"] != auto_link["person_id"]


def test_a_decision_made_in_the_portal_is_reused_next_run(ctx):
    from sqlalchemy.orm import Session

    from portal.principal import Principal
    from portal.review import decide as portal_decide

    _setup(ctx)
    link_period(ctx, PERIOD)
    item = next(q for q in review_queue(ctx, PERIOD) if q["record_name"] == "何静")
    analyst = Principal(user_id=1, name="county-analyst", role="county_analyst")
    with Session(ctx.engine) as session, session.begin():
        chosen = portal_decide(session, analyst, item["id"], "accept", ctx.vault()).person_id
    again = link_period(ctx, PERIOD)
    assert again["accepted"] >= 1
    with ctx.engine.connect() as conn:
        decided = conn.execute(select(MatchDecision.decided_by, MatchDecision.person_id)).all()
    assert decided == [("county-analyst", chosen)]
    accepted = [l for l in _links(ctx).values() if l["status"] == "accepted"]
    assert {l["person_id"] for l in accepted} == {chosen}


def test_a_lone_namesake_with_a_blank_id_links_to_its_household(ctx):
    people, _, _ = _setup(ctx)
    names = [(p["village"], p["name"]) for p in people]
    lone = next(p for p in people if names.count((p["village"], p["name"])) == 1)
    with building(ctx) as w:
        add_batch(w, "civil_affairs", [
            {"name": lone["name"], "raw_id": "", "township": lone["township"],
             "village": lone["village"]}])
    link_period(ctx, PERIOD)
    link = _links(ctx)[("civil_affairs", 2)]
    assert link["status"] == "auto", link["explanation"].get("text_zh")
    assert (link["person_id"], link["household_id"]) == (lone["person_id"], lone["household_id"])
    below_auto = link["explanation"]["record_probability"] < ctx.settings["matching"]["auto_threshold"]
    assert bool(link["explanation"].get("sole_candidate")) == below_auto


def test_pairs_in_slices_give_the_same_links_as_all_pairs_at_once(ctx):
    _setup(ctx)
    ctx.settings["matching"]["chunk_pairs"] = None
    link_period(ctx, PERIOD)
    # A rejected pair, so the pairs a reviewer excluded are found slice by slice too.
    auto_link = _links(ctx)[("health", 2)]
    with ctx.engine.connect() as conn:
        link_id = conn.execute(select(Link.id).where(Link.record_id == auto_link["record_id"])).scalar()
    decide(ctx, link_id, "reject", "reviewer1")
    whole = link_period(ctx, PERIOD)
    at_once = {k: dict(v) for k, v in _links(ctx).items()}
    ctx.settings["matching"]["chunk_pairs"] = 7  # a slice of a record or two
    sliced = link_period(ctx, PERIOD)
    assert {k: dict(v) for k, v in _links(ctx).items()} == at_once
    assert {k: v for k, v in sliced.items() if k != "seconds"} == {k: v for k, v in whole.items() if k != "seconds"}
    ctx.settings["matching"]["memory_pairs"] = 0  # every slice waits in a temporary file
    spilled = link_period(ctx, PERIOD)
    assert {k: dict(v) for k, v in _links(ctx).items()} == at_once
    assert {k: v for k, v in spilled.items() if k != "seconds"} == {k: v for k, v in whole.items() if k != "seconds"}


def _who(ctx) -> dict:
    """Each record's linked person, household and band (probabilities move with EM's pairs)."""
    return {k: (v["person_id"], v["household_id"], v["status"]) for k, v in _links(ctx).items()}


def test_settled_ids_and_large_blocks_from_settings_prune_pairs_not_links(ctx):
    _setup(ctx)
    matching = ctx.settings["matching"]
    typo_keys = ["id_key0", "id_key1", "id_key2"]
    matching.update(settled_skip_rules=[], max_block_pairs=None)
    full = link_period(ctx, PERIOD)
    links = _who(ctx)
    # The typo keys of an ID that matched exactly bring in only its near-miss neighbours.
    matching["settled_skip_rules"] = typo_keys
    settled = link_period(ctx, PERIOD)
    assert settled["candidate_pairs"] < full["candidate_pairs"]
    assert _who(ctx) == links
    # Blocks over 20 pairs here are whole-village surname blocks: the IDs and the birth-date
    # and township name keys still find everyone (on a county the cap is far larger).
    matching.update(settled_skip_rules=[], max_block_pairs=20)
    capped = link_period(ctx, PERIOD)
    assert capped["candidate_pairs"] < full["candidate_pairs"]
    assert _who(ctx) == links
    matching["settled_skip_rules"] = typo_keys
    both = link_period(ctx, PERIOD)
    assert both["candidate_pairs"] < min(settled["candidate_pairs"], capped["candidate_pairs"])
    assert _who(ctx) == links
    assert {k: both[k] for k in ("auto", "review", "none")} == {k: full[k] for k in ("auto", "review", "none")}


def test_explanations_are_encoded_as_json_dumps_would():
    from matching.linker import _ExplanationEncoder

    encode = _ExplanationEncoder()
    head = {"prior_weight": -3.2, "terms": [{"comparison": "姓名", "weight": 1.5, "agreed": True}],
            "match_weight": 9.0, "probability": 0.99}
    for extra in ({}, {"text_zh": "姓名一致", "record_probability": 0.5, "ambiguous": True, "person_id": 7}):
        expl = {**head, **extra}
        assert encode(expl, 3) == json.dumps(expl)
        assert encode(expl, 3) == json.dumps(expl)  # the second time from the pattern's cached head
    assert encode({"decision": "accept", "person_id": 2}, None) == json.dumps({"decision": "accept", "person_id": 2})
    assert encode({"terms": [], "prior_weight": 1}, 3) == json.dumps({"terms": [], "prior_weight": 1})
