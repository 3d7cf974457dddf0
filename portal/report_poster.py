"""A village's self-report poster: the QR code of /report pre-filled with the village, the
county hotline and a few plain Chinese lines, as an A4 PDF or PNG.

The PDF needs no font file: its text is set in STSong-Light, one of the standard Chinese fonts
(Adobe-GB1) every PDF reader supplies, and the QR code is drawn as vector squares. The PNG is
drawn by Pillow and needs a font file with Chinese glyphs (settings reports.poster_font, else
the first fontconfig finds for lang=zh); without one it stops and says what to install.
"""
from __future__ import annotations

import shutil
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import segno

from shouwang.core.errors import UserError
from shouwang.core.outputs import atomic_open

A4_POINTS = (595, 842)  # width, height
PNG_DPI = 150
QR_POINTS = 300  # the code's side on paper, quiet zone included: about 10.6 cm
QR_BORDER = 4  # modules of quiet zone (the standard's minimum)


@dataclass(frozen=True)
class Line:
    """One line of the poster: its text, size in points and distance from the top in points."""

    text: str
    size: float
    top: float
    bold: bool = False


def report_url(settings: dict, township: str, village: str) -> str:
    """The /report address pre-filled with the village, as the QR code carries it."""
    base = str(settings["reports"]["public_url"]).rstrip("/")
    return f"{base}/report?{urlencode({'township': township, 'village': village})}"


def poster_lines(settings: dict, township: str, village: str) -> tuple[list[Line], float]:
    """The poster's text, and where the QR code's top edge goes (points from the top)."""
    county, hotline = settings["county"]["name"], settings["reports"]["hotline"]
    qr_top = 250.0
    return [
        Line("遇到困难，告诉我们", 40, 70, bold=True),
        Line(f"{county}{township}{village}\u3000农户自主申报", 20, 130),
        Line("家里有人生大病、孩子不上学、房子危险、遭了灾……", 15, 180),
        Line("用手机扫一扫下面的二维码，填好就行，不收任何费用", 15, 205),
        Line("乡镇干部会联系您、上门了解情况", 15, 228),
        Line(f"也可以拨打防返贫热线 {hotline}", 24, qr_top + QR_POINTS + 45, bold=True),
        Line("凭提交后给您的回执号，可以在同一个网页查看办理进度", 13, qr_top + QR_POINTS + 85),
        Line("您填的身份证号和电话加密保存，只用于核实和帮扶", 13, qr_top + QR_POINTS + 108),
    ], qr_top


def write_poster(out: Path, settings: dict, township: str, village: str,
                 font: Path | None = None) -> Path:
    """Write the poster to ``out`` (.pdf or .png), atomically; the path."""
    out = Path(out)
    kind = out.suffix.lower()
    if kind not in (".pdf", ".png"):
        raise UserError(f"{out.name}: 海报只能写成 .pdf 或 .png")
    url = report_url(settings, township, village)
    qr = segno.make(url, error="m", micro=False)
    lines, qr_top = poster_lines(settings, township, village)
    if kind == ".pdf":
        data = pdf_poster(qr, lines, qr_top)
    else:
        data = png_poster(qr, lines, qr_top, font or cjk_font(settings))
    with atomic_open(out, "wb") as fh:
        fh.write(data)
    return out


# ------------------------------------------------------------------------------ PDF

def _text_width(text: str, size: float) -> float:
    """Width in points: Chinese characters are one em, ASCII half (the font's widths below)."""
    return sum(size * (0.5 if ord(c) < 128 else 1.0) for c in text)


def _dark_runs(qr: segno.QRCode) -> list[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules, border excluded."""
    runs = []
    for r, row in enumerate(qr.matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return runs


def pdf_poster(qr: segno.QRCode, lines: list[Line], qr_top: float) -> bytes:
    """A one-page A4 PDF: the text in STSong-Light (no font file), the code as squares."""
    width, height = A4_POINTS
    ops = []
    for line in lines:
        x = (width - _text_width(line.text, line.size)) / 2
        y = height - line.top
        # Render mode 2 (fill and stroke) thickens the strokes for a bold line.
        mode = "2 Tr 0.6 w" if line.bold else "0 Tr"
        ops.append(f"BT {mode} /F1 {line.size:g} Tf {x:.2f} {y:.2f} Td "
                   f"<{line.text.encode('utf-16-be').hex().upper()}> Tj ET")
    side = len(qr.matrix) + 2 * QR_BORDER
    module = QR_POINTS / side
    left = (width - QR_POINTS) / 2
    top = height - qr_top
    ops.append("0 g")
    for r, c, n in _dark_runs(qr):
        ops.append(f"{left + (c + QR_BORDER) * module:.3f} "
                   f"{top - (r + QR_BORDER + 1) * module:.3f} {n * module:.3f} {module:.3f} re")
    ops.append("f")
    content = zlib.compress("\n".join(ops).encode("ascii"))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        None,  # the content stream
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        "/DescendantFonts [6 0 R] >>",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        "/FontDescriptor 7 0 R /DW 1000 /W [1 95 500] >>",
        "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        "/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        "/CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        if body is None:
            out += (f"{number} 0 obj\n<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n"
                    .encode("ascii") + content + b"\nendstream\nendobj\n")
        else:
            out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode("ascii")
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode("ascii"))
    return bytes(out)


# ------------------------------------------------------------------------------ PNG

def cjk_font(settings: dict) -> Path:
    """The font file for the PNG's Chinese text: settings reports.poster_font, else the first
    font fontconfig lists for lang=zh; UserError naming what to install when there is none."""
    configured = settings["reports"].get("poster_font")
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise UserError(f"settings reports.poster_font: 没有字体文件 {path}")
        return path
    found = _fontconfig_zh()
    if found is None:
        raise UserError(
            "找不到含汉字的字体，PNG 海报写不出中文。请安装一种中文字体（Debian: apt-get install "
            "fonts-wqy-zenhei 或 fonts-noto-cjk），或在 settings reports.poster_font 指定字体文件，"
            "或改写 .pdf（PDF 海报不需要字体文件）")
    return found


def _fontconfig_zh() -> Path | None:
    """The first font file (by path) fontconfig knows with Chinese glyphs, if any."""
    if shutil.which("fc-list") is None:
        return None
    listed = subprocess.run(["fc-list", ":lang=zh", "-f", "%{file}\n"], capture_output=True,
                            text=True, check=False, timeout=30).stdout
    files = sorted({Path(f) for f in listed.splitlines() if f.strip()})
    return next((f for f in files if f.is_file()), None)


def png_poster(qr: segno.QRCode, lines: list[Line], qr_top: float, font: Path) -> bytes:
    """The same poster drawn at PNG_DPI by Pillow with ``font``."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    scale = PNG_DPI / 72
    width, height = (round(v * scale) for v in A4_POINTS)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for line in lines:
        face = ImageFont.truetype(str(font), round(line.size * scale))
        box = draw.textbbox((0, 0), line.text, font=face)
        x = (width - (box[2] - box[0])) / 2
        # ``top`` is the baseline's distance from the top, as in the PDF.
        draw.text((x, line.top * scale), line.text, font=face, fill=0, anchor="ls",
                  stroke_width=1 if line.bold else 0, stroke_fill=0)
    side = len(qr.matrix) + 2 * QR_BORDER
    module = max(1, int(QR_POINTS * scale) // side)  # whole pixels: every module the same size
    code = round(module * side)
    left, top = (width - code) // 2, round(qr_top * scale)
    for r, c, n in _dark_runs(qr):
        x0, y0 = left + (c + QR_BORDER) * module, top + (r + QR_BORDER) * module
        draw.rectangle((x0, y0, x0 + n * module - 1, y0 + module - 1), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(PNG_DPI, PNG_DPI))
    return buffer.getvalue()
