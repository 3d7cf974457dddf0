"""Feed contracts as data: which headers a department sends, as which canonical field and type.

A department module declares one `Contract`; the shared reader, normalizer and loader do the
rest, and validation derives its basic checks from it (`expectations.suites.basic`): blank
cells of a field that is not `blank_ok`, values outside `allowed`, dates, amounts, counts,
phones, `pattern`, and the person's ID. Headers are compared after `header_key`, so spaces, a
BOM, full-width brackets and a unit in brackets (`医疗总费用（元）`) do not matter.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # the contracts are read at DAG parse time: no pandas import for a type
    import pandas as pd

TYPES = ("text", "name", "id", "phone", "date", "amount", "int", "bool", "enum", "region")
ROLES = ("person", "student", "head")

# Columns every feed record has besides its department's fields (see architecture.md).
IDENTITY_FIELD = "resident_id"
NAME_FIELD = "name"
ADDRESS_FIELDS = ("township", "village", "group_name")

_INVISIBLE = re.compile(r"[\s\u3000\ufeff\u200b\u200c\u200d\u2060]+")
_UNIT = re.compile(r"\([^()]*\)$")


def header_key(text: object) -> str:
    """A header reduced to what identifies it: NFKC, no spaces or BOM, no trailing (unit)."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = _INVISIBLE.sub("", s)
    s = s.rstrip(":：*")
    unitless = _UNIT.sub("", s)
    return unitless or s


@dataclass(frozen=True)
class Field:
    """One column of a contract: its headers, canonical name, type and constraints."""

    name: str
    headers: tuple[str, ...]
    type: str = "text"
    required: bool = True  # the column must be in the file
    blank_ok: bool = False  # a blank cell is allowed (otherwise the row is quarantined)
    # For enums: the values of FEEDS.md. On a text field: the values validation accepts, kept
    # as written (the connector does not rewrite them); others are quarantined `not_in_set`.
    allowed: tuple[str, ...] = ()
    on_error: str = "quarantine"  # or "flag": keep the row, drop the value, note it
    sensitive: bool = False  # masked in raw/quarantine output (IDs, phones)
    pattern: str | None = None  # a regular expression the cleaned text must match fully

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r}; use one of {TYPES}")
        if self.type == "enum" and not self.allowed:
            raise ValueError(f"field {self.name}: an enum needs its allowed values")

    @property
    def keys(self) -> tuple[str, ...]:
        """Header keys this field answers to (its Chinese headers and its canonical name)."""
        return tuple(dict.fromkeys(header_key(h) for h in (*self.headers, self.name)))


def optional(name: str, headers: tuple[str, ...] | str, type: str = "text", **kw) -> Field:
    """A field whose column may be missing and whose cells may be blank."""
    headers = (headers,) if isinstance(headers, str) else headers
    return Field(name, headers, type, required=False, blank_ok=True, **kw)


def column(name: str, headers: tuple[str, ...] | str, type: str = "text", **kw) -> Field:
    """A field whose column must be present but whose cells may be blank."""
    headers = (headers,) if isinstance(headers, str) else headers
    return Field(name, headers, type, blank_ok=True, **kw)


def required(name: str, headers: tuple[str, ...] | str, type: str = "text", **kw) -> Field:
    """A field whose column must be present and whose cells must not be blank."""
    headers = (headers,) if isinstance(headers, str) else headers
    return Field(name, headers, type, **kw)


def person(name_header: str = "姓名", id_header: str = "身份证号",
           name_blank_ok: bool = True) -> tuple[Field, Field]:
    """The name + resident ID pair naming the row's person.

    Both columns must be present. A blank name is allowed: a usable ID alone says who it is,
    and a row with neither is quarantined with the ID's reason (records._quarantine_unidentified).
    The roster passes ``name_blank_ok=False``: every monitored person has a name there.
    """
    name = column if name_blank_ok else required
    return (
        name(NAME_FIELD, name_header, "name"),
        required(IDENTITY_FIELD, id_header, "id", sensitive=True),
    )


def address() -> tuple[Field, ...]:
    """The 乡镇 / 村 / 组 columns: township and village required, the group optional.

    A place that cannot be read (longer than any place name) is treated as unknown and the
    row flagged: name and ID still say who it is (FEEDS.md), so the row is not lost for it.
    """
    return (
        column("township", ("乡镇", "乡镇（街道）"), "region", on_error="flag"),
        column("village", ("村", "村（社区）", "行政村"), "region", on_error="flag"),
        optional("group_name", ("组", "村民小组"), "region", on_error="flag"),
    )


Hook = Callable[["pd.DataFrame"], "pd.DataFrame"]


@dataclass(frozen=True)
class Contract:
    """What one department sends: its fields, the person each row names, optional hooks."""

    department: str  # module name: medical_insurance
    label: str  # Chinese short name used in file names: 医保
    role: str  # person | student | head
    fields: tuple[Field, ...]
    aliases: tuple[str, ...] = ()  # other names a file may carry (卫健委, 医疗保障)
    order: int = 100  # place in department lists (digest, portal, late feeds): lower first
    after_normalize: Hook | None = None  # may add derived columns; must keep row order
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"contract {self.department}: role must be one of {ROLES}")
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"contract {self.department}: a field is declared twice")

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a file or a parameter may use for this department."""
        return (self.department, self.label, *self.aliases)

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.department} has no field {name!r}")

    @property
    def required_fields(self) -> tuple[Field, ...]:
        """Fields whose column must be present."""
        return tuple(f for f in self.fields if f.required)

    def match_headers(self, cells: list[str]) -> dict[str, int]:
        """Field name → column index for the header cells of one row (first match wins)."""
        wanted = {}
        for f in self.fields:
            for k in f.keys:
                wanted.setdefault(k, f.name)
        found: dict[str, int] = {}
        for i, cell in enumerate(cells):
            name = wanted.get(header_key(cell))
            if name and name not in found:
                found[name] = i
        return found

    def score(self, cells: list[str]) -> float:
        """Share of this contract's required columns present among ``cells``."""
        req = {f.name for f in self.required_fields}
        hit = req & set(self.match_headers(cells))
        return len(hit) / len(req) if req else 0.0
