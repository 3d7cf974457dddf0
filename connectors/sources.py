"""Where feeds come from: a landing folder, a department's SQL view, or its HTTP JSON API.

A source only fetches rows; reading, typing and loading are shared (`connectors.ingest`).
SQL and HTTP sources return a `Sheet` whose headers are the column or key names, so the
department's contract maps them exactly as it maps a file's headers.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from connectors import catalog
from connectors.errors import FeedError
from connectors.reader import EXCEL_SUFFIXES, Sheet, sheet_from_records

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
