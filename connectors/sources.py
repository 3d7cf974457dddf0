"""Where feeds come from: a landing folder, a department's SQL view, or its HTTP JSON API.

A source only fetches rows; reading, typing and loading are shared (`connectors.ingest`).
SQL and HTTP sources return a `Sheet` whose headers are the column or key names, so the
department's contract maps them exactly as it maps a file's headers.

A department configured under settings ``sources:`` is pulled before each ingest and its rows
land as ``<部门>_<YYYY-MM>_数据接口.xlsx`` in the landing folder (`land`), so a pulled feed takes
the same road as a dropped file: planning, validation, corrections and lineage ``file#row``.
"""
from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from connectors import catalog
from connectors.errors import FeedError
from connectors.reader import EXCEL_SUFFIXES, Sheet, sheet_from_records
from shouwang.core.outputs import append_row, save_workbook

log = logging.getLogger(__name__)
# Feed files in a landing folder (a stray readme.txt is not a feed).
LANDING_SUFFIXES = (".csv", *EXCEL_SUFFIXES)


@dataclass(frozen=True)
class LandedFeed:
    """The landed file(s) of one department and month; two or more is an error (keep one)."""

    department: str | None  # module name; None when the name gives no known department
    period: str | None  # from the file name; None when the name carries none
    paths: tuple[Path, ...]

    @property
    def conflict(self) -> bool:
        """True when more than one file claims this department and month."""
        return len(self.paths) > 1


@dataclass
class LandingSource:
    """Files named ``<dept>_<YYYY-MM>.<ext>`` in one folder: the one lister of the CLI and Airflow."""

    folder: Path

    def files(self, period: str) -> list[Path]:
        """This period's feed files, oldest first (so a correction lands after its original).

        Files whose name carries no readable period, or no known department, are included so
        that they fail loudly instead of being skipped; files of other periods are left for
        their own run; the roster (花名册*) is never a feed.
        """
        if not self.folder.is_dir():
            raise FeedError(f"landing folder {self.folder} does not exist; create it or give "
                            "the folder the departments' files are dropped in", "no_landing")
        out = []
        for p in self.folder.iterdir():
            if p.name.startswith((".", "~$")) or not p.is_file():
                continue
            if p.suffix.lower() not in LANDING_SUFFIXES:
                continue
            dept, file_period = catalog.parse_file_name(p.stem)
            if _is_roster(dept) or _is_roster(p.stem):
                continue  # the roster is loaded by `registry load`, not as a feed
            if file_period in (None, period):
                out.append(p)
        return sorted(out, key=lambda p: (p.stat().st_mtime, p.name))

    def feeds(self, period: str) -> list[LandedFeed]:
        """This period's files grouped by department and month (order of `files`)."""
        groups: dict[tuple, list[Path]] = {}
        for p in self.files(period):
            dept, file_period = _department_of(p)
            # A file whose name gives no department or no month is a group of its own.
            key = (dept, file_period) if dept and file_period else (None, p.name)
            groups.setdefault(key, []).append(p)
        return [LandedFeed(_department_of(ps[0])[0], _department_of(ps[0])[1], tuple(ps))
                for ps in groups.values()]

    def feed_of(self, path: Path, period: str) -> LandedFeed:
        """The landed feed ``path`` belongs to (with any other file of its department and month)."""
        for feed in self.feeds(period):
            if any(p.name == Path(path).name for p in feed.paths):
                return feed
        return LandedFeed(*_department_of(Path(path)), (Path(path),))


def _department_of(path: Path) -> tuple[str | None, str | None]:
    """(module name or None, period or None) of a landed file's name."""
    name, file_period = catalog.parse_file_name(path.stem)
    try:
        return catalog.contract_for(name or "").department, file_period
    except KeyError:
        return None, file_period


def _is_roster(name: str | None) -> bool:
    """True for the roster's names (花名册, roster, …), alone or followed by _-space and more."""
    if not name:
        return False
    roster = catalog.contract_for(catalog.ROSTER)
    head = name.strip().lower()
    return any(head == n.lower() or head.startswith((f"{n.lower()}_", f"{n.lower()}-",
                                                     f"{n.lower()} "))
               for n in roster.names)


@dataclass
class SqlSource:
    """A read-only view in a department's database: SQLAlchemy URL + a query with :period."""

    department: str
    url: str
    query: str  # e.g. "SELECT * FROM v_yibao WHERE period = :period"
    name: str = ""
    kind = "sql"

    def fetch(self, period: str) -> Sheet:
        """Run the query for ``period``; the result's column names are the headers."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                result = conn.execute(text(self.query), {"period": period})
                records = [dict(r._mapping) for r in result]
        except Exception as e:  # any driver error: the message names the source, not the data
            raise FeedError(f"{self.label}: the query failed ({type(e).__name__}); check the URL, "
                            "the view and its grants", "source_unreachable") from e
        finally:
            engine.dispose()
        return sheet_from_records(records, self.label, "sql")

    @property
    def label(self) -> str:
        """The source's name as stored in feed_batches.source_file."""
        return self.name or f"sql:{self.department}"


@dataclass
class HttpJsonSource:
    """A paged JSON API: GET url?period=P&page=N&page_size=S → {"items": [...]} (or a list)."""

    department: str
    url: str
    items_key: str = "items"
    page_param: str = "page"
    size_param: str = "page_size"
    page_size: int = 500
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 0.5
    params: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)  # e.g. an API token from the county's secrets
    name: str = ""
    kind = "http"

    @classmethod
    def from_settings(cls, department: str, url: str, settings: dict, **kw) -> "HttpJsonSource":
        """A source with the timeouts, retries and page size of settings.yaml (ingest.http)."""
        http = settings.get("ingest", {}).get("http", {})
        return cls(department, url, timeout=float(http.get("timeout_seconds", 10)),
                   retries=int(http.get("retries", 3)),
                   backoff=float(http.get("backoff_seconds", 0.5)),
                   page_size=int(http.get("page_size", 500)), **kw)

    @property
    def label(self) -> str:
        """The source's name as stored in feed_batches.source_file."""
        return self.name or f"http:{self.department}"

    def fetch(self, period: str) -> Sheet:
        """All pages for ``period``: stops at a short or empty page."""
        import httpx

        records: list[dict] = []
        with httpx.Client(timeout=self.timeout, headers=self.headers) as client:
            page = 1
            while True:
                items = self._page(client, period, page)
                records.extend(items)
                if len(items) < self.page_size:
                    break
                page += 1
        return sheet_from_records(records, self.label, "http")

    def _page(self, client, period: str, page: int) -> list[dict]:
        import httpx

        params = {**self.params, "period": period, self.page_param: page,
                  self.size_param: self.page_size}
        for attempt in range(self.retries + 1):
            try:
                response = client.get(self.url, params=params)
                if response.status_code < 500 and response.status_code != 429:
                    response.raise_for_status()
                    return self._items(response.json(), page)
                problem = f"HTTP {response.status_code}"
            except (httpx.TimeoutException, httpx.TransportError) as e:
                problem = type(e).__name__
            except httpx.HTTPStatusError as e:
                raise FeedError(f"{self.label}: page {page} refused with HTTP "
                                f"{e.response.status_code}; check the URL and the credentials",
                                "source_refused") from e
            if attempt < self.retries:
                wait = self.backoff * 2 ** attempt
                log.warning("%s page %d: %s, retrying in %.1fs", self.label, page, problem, wait)
                time.sleep(wait)
        raise FeedError(f"{self.label}: page {page} failed {self.retries + 1} times ({problem}); "
                        "the department's API is down or too slow, try again later",
                        "source_unreachable")

    def _items(self, body: object, page: int) -> list[dict]:
        items = body.get(self.items_key) if isinstance(body, dict) else body
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise FeedError(f"{self.label}: page {page} is not a list of records under "
                            f"{self.items_key!r}", "source_format")
        return items


# --- configured pulls (settings ``sources:``) -------------------------------------------------

PULLED_SUFFIX = "数据接口"  # <部门>_<YYYY-MM>_数据接口.xlsx: a pulled feed's landed name
# Marks a landed workbook as written by `land` (with the digest of its rows): a department's
# own dropped file is never overwritten, and an unchanged pull is not written again.
_MARK = "shouwang-pull:"


def _env(name: str, department: str, key: str) -> str:
    value = os.environ.get(str(name), "")
    if not value:
        raise FeedError(f"sources.{department}.{key}: environment variable {name} is not set; "
                        "set it in the scheduler's and the CLI's environment (.env)",
                        "source_config")
    return value


def configured_sources(settings: dict) -> list[SqlSource | HttpJsonSource]:
    """The pulls of settings ``sources:`` ({department: {kind: sql|http, ...}}), in contract
    order; a URL or token with a secret comes from the environment variable ``url_env`` /
    ``token_env`` names, never from the file. FeedError names the key to fix."""
    out = []
    for department, spec in (settings.get("sources") or {}).items():
        spec = spec or {}
        try:
            contract = catalog.contract_for(str(department))
        except KeyError as e:
            raise FeedError(f"sources.{department}: {e.args[0]}", "source_config") from None
        kind = spec.get("kind")
        url = spec.get("url") or (_env(spec["url_env"], department, "url_env")
                                  if spec.get("url_env") else "")
        if not url:
            raise FeedError(f"sources.{department}: give url or url_env", "source_config")
        name = f"{kind}:{contract.label}"
        if kind == "sql":
            if not spec.get("query"):
                raise FeedError(f"sources.{department}: a sql source needs query (with :period)",
                                "source_config")
            out.append(SqlSource(contract.department, url, str(spec["query"]), name=name))
        elif kind == "http":
            headers = {}
            if spec.get("token_env"):
                token = _env(spec["token_env"], department, "token_env")
                headers["Authorization"] = f"Bearer {token}"
            out.append(HttpJsonSource.from_settings(
                contract.department, url, settings, name=name, headers=headers,
                items_key=str(spec.get("items_key", "items")),
                params=dict(spec.get("params") or {})))
        else:
            raise FeedError(f"sources.{department}.kind: {kind!r} is not sql or http",
                            "source_config")
    order = {c.department: c.order for c in catalog.all_contracts()}
    return sorted(out, key=lambda s: order.get(s.department, 0))


def landed_name(source: SqlSource | HttpJsonSource, period: str) -> str:
    """The landing file name of ``source``'s feed for ``period``."""
    label = catalog.contract_for(source.department).label
    return f"{label}_{period}_{PULLED_SUFFIX}.xlsx"


def _digest(sheet: Sheet) -> str:
    text = "\x1e".join("\x1f".join(r) for r in sheet.rows)
    return hashlib.sha256(text.encode()).hexdigest()


def _mark_of(path: Path) -> str | None:
    """The pull mark of a landed workbook; None for anything else (a dropped file, a broken one)."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True)
    except (BadZipFile, OSError, KeyError, ValueError):
        return None
    try:
        return wb.properties.keywords
    finally:
        wb.close()


def land(source: SqlSource | HttpJsonSource, period: str, folder: Path) -> Path | None:
    """Fetch ``period`` from ``source`` and write it into the landing ``folder`` as an XLSX of
    text cells (atomically); None when the same rows are there already. FeedError when the
    source fails, returns nothing, or a file not written here has the name."""
    sheet = source.fetch(period)
    if len(sheet.rows) <= 1:
        raise FeedError(f"{source.label}: returned no rows for {period}; check the query or ask "
                        "the department whether the period is published", "empty_file")
    target = Path(folder) / landed_name(source, period)
    mark = _MARK + _digest(sheet)
    if target.exists():
        found = _mark_of(target)
        if found == mark:
            return None
        if not (found or "").startswith(_MARK):
            raise FeedError(f"{target.name}: is in the landing folder but was not pulled from "
                            f"{source.label}; move it away so the pull can land there",
                            "source_conflict")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = catalog.contract_for(source.department).label
    for row in sheet.rows:
        append_row(ws, row)
    wb.properties.keywords = mark
    Path(folder).mkdir(parents=True, exist_ok=True)
    return save_workbook(wb, target)
