"""A warning's evidence in words: the match explanation as sentences (never a dict) and every
indicator by its Chinese name from the department's contract, on the page and in the API."""
from __future__ import annotations

import html

from tests.portal.conftest import PERIOD, TOWN_A, login, token_for
from tests.support.pii import find_plaintext
from tests.support.warehouse import building
from warehouse.models import WarningEvidence

SENTENCES = ["身份证号一致（+13.9）", "姓名完全一致（+2.2）", "户主身份缺失（不计分）",
             "先验-4.7，合计+11.4，匹配概率100.0%", "综合：自动匹配，概率 0.97"]


def _add_dropout_evidence(ctx, warning_id: int) -> None:
    """An education row (学籍状态 辍学) behind the warning, matched to nobody yet."""
    with building(ctx, seal=False) as b:
        batch = b.batch("education", PERIOD, "loaded", f"教育_{PERIOD}.csv")
        rec = b.record(batch, 7, "龙丙娃", None, township=TOWN_A, fields={}, raw={})
        b.add(WarningEvidence(warning_id=warning_id, record_id=rec.id, period=PERIOD,
                              department="education", indicator="enrollment_status", value="辍学",
                              rule="dropout"))


def test_the_warning_page_explains_in_sentences_and_names_indicators_in_chinese(
        client, seed, ctx, tmp_path):
    w = seed.overdue[TOWN_A]
    _add_dropout_evidence(ctx, w)
    login(client, "town_a")
    r = client.get(f"/warnings/{seed.code[w]}")
    assert r.status_code == 200
    page = html.unescape(r.text)
    for line in SENTENCES:
        assert f"<li>{line}</li>" in page
    assert "{'" not in page and "prior_weight" not in page and "text_zh" not in page
    assert "学籍状态" in page and "enrollment_status" not in page
    assert "疾病类别" in page and "disease_category" not in page
    assert "<td data-label=\"匹配说明\">未匹配</td>" in page  # the unmatched education row
    (tmp_path / "page.html").write_text(r.text, encoding="utf-8")
    assert find_plaintext([tmp_path], seed.plain_ids) == []


def test_the_api_keeps_the_structured_explanation_and_adds_the_sentences(client, seed, ctx):
    w = seed.overdue[TOWN_A]
    _add_dropout_evidence(ctx, w)
    body = client.get(f"/api/warnings/{seed.code[w]}", headers=token_for(client, "town_a")).json()
    by_indicator = {e["indicator"]: e for e in body["evidence"]}
    assert by_indicator["enrollment_status"]["indicator_label"] == "学籍状态"
    assert by_indicator["enrollment_status"]["explanation_zh"] == []
    illness = by_indicator["disease_category"]
    assert illness["indicator_label"] == "疾病类别"
    assert illness["explanation_zh"] == SENTENCES
    assert illness["explanation"]["prior_weight"] == -4.7


def test_the_detail_names_grid_and_worker_and_opens_the_phone_only_with_the_vault(
        seed, ctx, tmp_path):
    from sqlalchemy import select

    from portal.detail import household_detail
    from portal.labels import labels
    from portal.principal import Principal
    from tests.portal.grids_support import WORKER_PHONE, load_seed_grids
    from warehouse.db import session_scope
    from warehouse.models import AuditLog, User

    load_seed_grids(ctx, tmp_path)
    code = seed.code[seed.overdue[TOWN_A]]
    lab = labels(ctx.settings, PERIOD[:4], ctx.home)
    with session_scope(ctx.engine) as s:
        who = Principal.of(s.scalar(select(User).where(User.name == "town_a")))
        masked = household_detail(s, who, code, lab)
        whole = household_detail(s, who, code, lab, vault=ctx.vault())
        shown = [a.detail["grid_phone_shown"] for a in s.scalars(
            select(AuditLog).where(AuditLog.action == "view_household").order_by(AuditLog.id))]
    assert (masked.grid.grid, masked.grid.worker_name, masked.grid.worker_phone_masked) == \
        ("一网格", "龙河村2一网格员", "137****0001")
    assert masked.grid_worker_phone is None and whole.grid_worker_phone == WORKER_PHONE
    assert shown == [False, True]  # the audit trail says when the whole number was shown
