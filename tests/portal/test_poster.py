"""`shouwang report-poster`: the PDF (no font file) and the PNG (a Chinese font) carry the QR code
of the village's /report address module for module, the hotline and the village's name."""
from __future__ import annotations

import re
import zlib

import pytest
import segno

from portal.report_poster import QR_BORDER, _fontconfig_zh, report_url
from shouwang.cli import main
from tests.portal.reports_seed import seed_places

TOWN, VILLAGE = "龙河镇", "龙河村2"


@pytest.fixture
def places(ctx):
    """The county's regions as the roster load leaves them."""
    seed_places(ctx)
    return ctx


def poster(ctx, out, *extra) -> int:
    """Run the command on ``ctx``'s warehouse."""
    return main(["--warehouse", ctx.warehouse, "report-poster", "--township", "龙河",
                 "--village", VILLAGE, "--out", str(out), *extra])


def expected_matrix(ctx) -> list[list[bool]]:
    """The code of the village's pre-filled /report address, as a phone will read it."""
    url = report_url(ctx.settings, TOWN, VILLAGE)
    assert url.endswith("/report?township=%E9%BE%99%E6%B2%B3%E9%95%87&village="
                        "%E9%BE%99%E6%B2%B3%E6%9D%912")
    return [[bool(v) for v in row] for row in segno.make(url, error="m", micro=False).matrix]


def test_the_pdf_poster_needs_no_font_file(places, tmp_path, capsys):
    out = tmp_path / "龙河村2_申报海报.pdf"
    assert poster(places, out) == 0
    assert "龙河镇龙河村2 的申报海报" in capsys.readouterr().out
    data = out.read_bytes()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    assert b"/BaseFont /STSong-Light" in data and b"/FontFile" not in data  # nothing embedded
    # Every xref offset points at its object.
    start = int(re.search(rb"startxref\n(\d+)", data).group(1))
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n", data[start:])]
    assert all(data[o:].startswith(f"{n} 0 obj".encode()) for n, o in enumerate(offsets, 1))

    stream = re.search(rb"stream\n(.*?)\nendstream", data, re.S).group(1)
    ops = zlib.decompress(stream).decode("ascii")
    texts = [bytes.fromhex(h).decode("utf-16-be") for h in re.findall(r"<([0-9A-F]+)> Tj", ops)]
    assert "遇到困难，告诉我们" in texts and "示范县龙河镇龙河村2\u3000农户自主申报" in texts
    assert "也可以拨打防返贫热线 12317" in texts

    # The squares drawn are the code's dark modules, no more and no fewer.
    squares = [tuple(map(float, m)) for m in
               re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re", ops)]
    module = min(s[3] for s in squares)
    left = min(s[0] for s in squares) - QR_BORDER * module
    top = max(s[1] + s[3] for s in squares) + QR_BORDER * module
    want = expected_matrix(places)
    got = [[False] * len(want) for _ in want]
    for x, y, w, h in squares:
        r = round((top - (y + h)) / module) - QR_BORDER
        c0 = round((x - left) / module) - QR_BORDER
        for c in range(c0, c0 + round(w / module)):
            got[r][c] = True
    assert got == want


def test_the_png_poster_draws_the_code_and_the_text(places, tmp_path):
    if _fontconfig_zh() is None:
        pytest.fail("no font with Chinese glyphs: apt-get install fonts-wqy-zenhei")
    from PIL import Image

    out = tmp_path / "poster.png"
    assert poster(places, out) == 0
    image = Image.open(out).convert("L")
    assert image.size == (1240, 1754)  # A4 at 150 dpi
    want = expected_matrix(places)
    side = len(want) + 2 * QR_BORDER
    module = int(300 * 150 / 72) // side
    left, top = (1240 - module * side) // 2, round(250 * 150 / 72)
    got = [[image.getpixel((left + (c + QR_BORDER) * module + module // 2,
                            top + (r + QR_BORDER) * module + module // 2)) < 128
            for c in range(len(want))] for r in range(len(want))]
    assert got == want
    title = image.crop((0, 70, 1240, 150))  # the 40-point title's band
    assert sum(1 for v in title.getdata() if v < 128) > 5000


def test_without_a_chinese_font_the_png_stops_and_says_what_to_do(places, tmp_path, monkeypatch,
                                                                  capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # a clean machine: no fontconfig, no fonts
    out = tmp_path / "poster.png"
    assert poster(places, out) == 1
    err = capsys.readouterr().err
    assert "找不到含汉字的字体" in err and "fonts-wqy-zenhei" in err and ".pdf" in err
    assert not out.exists()
    assert poster(places, tmp_path / "poster.pdf") == 0  # the PDF still works there


def test_wrong_places_and_formats_are_one_line_errors(places, tmp_path, capsys):
    assert main(["--warehouse", places.warehouse, "report-poster", "--township", "青龙",
                 "--village", "x", "--out", str(tmp_path / "a.pdf")]) == 1
    assert "本县没有乡镇 青龙" in capsys.readouterr().err
    assert main(["--warehouse", places.warehouse, "report-poster", "--township", TOWN,
                 "--village", "三合村1", "--out", str(tmp_path / "a.pdf")]) == 1
    assert "龙河镇没有村（社区） 三合村1" in capsys.readouterr().err
    assert poster(places, tmp_path / "a.jpg") == 1
    assert "只能写成 .pdf 或 .png" in capsys.readouterr().err
    assert poster(places, tmp_path / "a.png", "--font", str(tmp_path / "none.ttf")) == 1
    assert "没有字体文件" in capsys.readouterr().err
    assert list(tmp_path.glob("a.*")) == list(tmp_path.glob(".a.*")) == []  # nor half a file


def test_before_the_roster_there_are_no_places(ctx, tmp_path, capsys):
    assert poster(ctx, tmp_path / "a.pdf") == 1
    assert "花名册还没有导入" in capsys.readouterr().err
