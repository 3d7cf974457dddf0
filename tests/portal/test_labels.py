"""The portal reads the county's rule labels the way screening and the digest do (overlays too)."""
from screening.rules import load_rules
from tests.portal.conftest import PERIOD, TOWN_A, token_for

COUNTY_LABEL = "因病（含慢病）"


def test_a_county_overlay_rule_label_shows_in_the_portal(ctx, seed, client):
    code = ctx.settings["county"]["code"]
    (ctx.home / "rules").mkdir()
    (ctx.home / "rules" / f"{code}.yaml").write_text(
        f"risk_types:\n  illness: {COUNTY_LABEL}\n", encoding="utf-8")
    # What screening and the digest read (publisher and screen load rules with ctx.home) ...
    assert load_rules(ctx.settings, PERIOD, ctx.home).risk_types["illness"] == COUNTY_LABEL

    # ... is what a cadre sees on the warning and in the queue.
    h = token_for(client, "town_a")
    detail = client.get(f"/api/warnings/{seed.code[seed.overdue[TOWN_A]]}", headers=h).json()
    assert (detail["risk_type"], detail["risk_label"]) == ("illness", COUNTY_LABEL)
    queue = client.get("/api/queue", headers=h).json()
    assert queue and {i["risk_label"] for i in queue} == {COUNTY_LABEL}
