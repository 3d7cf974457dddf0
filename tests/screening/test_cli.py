"""The screening commands through `shouwang.cli.main`, as a user types them."""
import csv

import pytest

from shouwang.cli import main
from tests.screening.factory import PERIOD, County


@pytest.fixture
def planted(ctx):
    county = County(ctx)
    hh = county.household("5002300001")
    county.record(county.batch("housing"), {"grade": "D", "occupied": True}, person=(hh, 0))
    return county


def test_screen_publish_and_export_commands(ctx, planted, tmp_path, capsys):
    base = ["--warehouse", ctx.warehouse, "--home", str(ctx.home)]
    assert main([*base, "screen", "--period", PERIOD]) == 0
    assert '"warnings_new": 1' in capsys.readouterr().out
    assert main([*base, "publish", "--period", PERIOD, "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "龙河镇_2026-10_预警核查清单.xlsx" in out and "县级预警汇总_2026-10.html" in out
    assert (tmp_path / "out" / PERIOD / "县级预警汇总_2026-10.xlsx").exists()
    assert main([*base, "export", "warnings", "--period", PERIOD, "--out", str(tmp_path / "w.csv")]) == 0
    assert main([*base, "export", "alerts", "--period", PERIOD, "--out", str(tmp_path / "a.csv")]) == 0
    assert "1 warnings written" in capsys.readouterr().out
    with (tmp_path / "w.csv").open(encoding="utf-8") as fh:
        assert [r["risk_type"] for r in csv.DictReader(fh)] == ["housing"]


def test_bad_input_gives_one_clear_line(ctx, tmp_path, capsys):
    base = ["--warehouse", ctx.warehouse, "--home", str(ctx.home)]
    with pytest.raises(SystemExit):
        main([*base, "screen", "--period", "2026-13"])
    assert "is not YYYY-MM" in capsys.readouterr().err
    assert main([*base, "run", "--period", PERIOD, "--landing", str(tmp_path / "nowhere"),
                 "--out", str(tmp_path)]) == 1
    assert "landing folder" in capsys.readouterr().err
    (ctx.home / "rules").mkdir()
    (ctx.home / "rules" / "500230.yaml").write_text("rules: [{id: x, risk_type: nonsense}]\n", encoding="utf-8")
    assert main([*base, "screen", "--period", PERIOD]) == 1
    err = capsys.readouterr().err
    assert "500230.yaml rule 'x'" in err and "unknown risk_type" in err and "Traceback" not in err
