"""URLs name a warning by its code; an old integer URL redirects (308) to the code's URL for a
warning the caller may see, and answers 404 like an absent one otherwise."""
from __future__ import annotations

from sqlalchemy import select

from tests.portal.conftest import TOWN_A, TOWN_B, login, token_for
from warehouse.db import session_scope
from warehouse.models import VerificationTask

OUTCOME = {"outcome": "纳入监测", "verifier1": "李四", "verifier2": "王五"}


def test_pages_take_the_code_and_old_integer_urls_redirect_to_it(client, seed):
    login(client, "town_a")
    w = seed.overdue[TOWN_A]
    r = client.get(f"/warnings/{seed.code[w]}")
    assert r.status_code == 200 and seed.code[w] in r.text
    assert f'action="/warnings/{seed.code[w]}/outcome"' in r.text
    old = client.get(f"/warnings/{w}?saved=1", follow_redirects=False)
    assert old.status_code == 308 and old.headers["location"] == f"/warnings/{seed.code[w]}?saved=1"
    queue = client.get("/queue").text
    assert f'href="/warnings/{seed.code[w]}"' in queue and f'href="/warnings/{w}"' not in queue
    for other in seed.warnings[TOWN_B]:  # another township's old id: absent, no code revealed
        r = client.get(f"/warnings/{other}", follow_redirects=False)
        assert r.status_code == 404 and seed.code[other] not in r.text
    assert client.get("/warnings/9999999999", follow_redirects=False).status_code == 404
    assert client.get("/warnings/W2026-10-99999").status_code == 404
    assert client.get("/warnings/abc").status_code == 422


def test_api_takes_the_code_and_an_old_integer_id_redirects_with_its_method(client, seed, ctx):
    h = token_for(client, "town_a")
    w = seed.overdue[TOWN_A]
    body = client.get(f"/api/warnings/{seed.code[w]}", headers=h).json()
    assert body["warning_id"] == seed.code[w]
    old = client.get(f"/api/warnings/{w}", headers=h, follow_redirects=False)
    assert old.status_code == 308 and old.headers["location"] == f"/api/warnings/{seed.code[w]}"
    post = client.post(f"/api/warnings/{w}/outcome", json=OUTCOME, headers=h, follow_redirects=False)
    assert post.status_code == 308
    assert post.headers["location"] == f"/api/warnings/{seed.code[w]}/outcome"
    with session_scope(ctx.engine) as s:  # the redirect itself recorded nothing
        assert s.scalar(select(VerificationTask.outcome).where(VerificationTask.warning_id == w)) is None
    followed = client.post(f"/api/warnings/{w}/outcome", json=OUTCOME, headers=h)
    assert followed.status_code == 200 and followed.json()["warning_id"] == seed.code[w]
    other = seed.overdue[TOWN_B]
    assert client.get(f"/api/warnings/{other}", headers=h, follow_redirects=False).status_code == 404
    assert client.get(f"/api/warnings/{seed.code[other]}", headers=h).status_code == 404
