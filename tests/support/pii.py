"""A plaintext-PII scanner for tests of every room: is any resident ID or phone in these files?

    from tests.support.pii import find_plaintext
    assert find_plaintext([tmp_path, home], [resident_id, phone]) == []

Scans files and folders (recursively): text, logs, HTML, CSV in any encoding, SQLite
databases with their -wal/-journal files, and zip containers (XLSX, ODS) member by member,
decompressed. Findings name the file, member and the secret *masked*, so a failing
assertion never prints the plaintext it found.
"""
from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from warehouse.masking import mask_id, mask_phone

MIN_SECRET = 6  # shorter strings would match everywhere and prove nothing
SIDE_FILES = ("-wal", "-journal", "-shm")  # SQLite keeps recent rows beside the database


def find_plaintext(paths: Iterable[Path], secrets: Iterable[str]) -> list[str]:
    """Where any of ``secrets`` appears in plain text: ``"<file>[!member]: <masked secret>"``."""
    needles = _needles(secrets)
    found: list[str] = []
    for path in _files(paths):
        for where, data in _contents(path):
            hits = (label for label, forms in needles if any(f in data for f in forms))
            found += [f"{where}: {label}" for label in hits]
    return found


def _needles(secrets: Iterable[str]) -> list[tuple[str, list[bytes]]]:
    """Each secret's masked label and the byte forms it can take on disk."""
    out = []
    for secret in secrets:
        s = str(secret).strip()
        if len(s) < MIN_SECRET:
            raise ValueError(f"secret of {len(s)} characters is too short to scan for")
        label = mask_phone(s) if len(s) == 11 else mask_id(s)
        texts = {s, s.upper(), s.lower()}  # an ID's check character X may be either case
        forms = [t.encode(enc) for t in texts for enc in ("utf-8", "utf-16-le", "utf-16-be")]
        out.append((label, forms))
    return out


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file under ``paths``, plus SQLite side files next to a database."""
    seen: set[Path] = set()
    for p in map(Path, paths):
        candidates = sorted(p.rglob("*")) if p.is_dir() else [p]
        candidates += [p.with_name(p.name + suffix) for suffix in SIDE_FILES if p.is_file()]
        for f in candidates:
            if f.is_file() and f not in seen:
                seen.add(f)
                yield f


def _contents(path: Path) -> Iterator[tuple[str, bytes]]:
    """The file's bytes, and each decompressed member when it is a zip or gzip container."""
    data = path.read_bytes()
    yield str(path), data
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for member in z.namelist():
                yield f"{path}!{member}", z.read(member)
    elif data[:2] == b"\x1f\x8b":
        yield f"{path}!gunzip", gzip.decompress(data)
