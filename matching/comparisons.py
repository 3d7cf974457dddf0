"""The comparison library: small declarative objects that grade a field of each candidate pair.

A comparison's levels are composed from the level library (``matching.levels``): null
(level 0, a side missing, no weight), exact, the levels in between (most alike first), else.
Subclasses only name their in-between levels and say how to grade; the base validates once.
"""
from __future__ import annotations

from typing import Callable, ClassVar, Sequence

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from matching.arrays import CodeBook, distinct
from matching.levels import EXACT, NULL, Level, at_thresholds, ladder, threshold_grades
from matching.normalize import readable_alike

__all__ = [
    "LIBRARY", "NULL", "BlindIdComparison", "ChineseNameComparison", "Comparison",
    "DamerauLevenshteinAtThresholds", "DateComparison", "ExactMatch", "JaroWinklerAtThresholds",
    "Level", "SwappedColumns", "TermFrequency", "comparison_from_dict", "pair_scores",
]
U_SOURCES = ("em", "random_sampling", "term_frequency")

def pair_scores(lc: np.ndarray, rc: np.ndarray, vocabulary: np.ndarray, scorer) -> np.ndarray:
    """``scorer`` of every pair of value codes, each distinct pair scored once (-1 reads as "")."""
    text = np.append(vocabulary, "").astype(object)
    missing = len(vocabulary)
    lc = np.where(lc < 0, missing, lc)
    rc = np.where(rc < 0, missing, rc)
    width = np.int64(len(text))
    pairs, inverse, _ = distinct(lc * width + rc)
    scores = process.cpdist(text[pairs // width].tolist(), text[pairs % width].tolist(),
                            scorer=scorer, workers=-1)
    return np.asarray(scores)[inverse]


class Comparison:
    """Base comparison: ``levels`` excludes null; ``grade`` returns 1..len(levels) per pair."""

    label_zh: ClassVar[str | None] = None  # subclasses of one field kind name it in Chinese
    # An adjustment refines another comparison's level (term frequency): its levels are not
    # the null/exact/…/else ladder of a field.
    adjustment: ClassVar[bool] = False
    exact_level: ClassVar[Level] = EXACT
    between: Sequence[Level] = ()  # levels between exact and else, most alike first

    def __init__(
        self, column: str, *, label_zh: str | None = None, name: str | None = None,
        u_from: str = "em",
    ):
        self.column = column
        self.name = name or column
        self.label_zh = label_zh or type(self).label_zh or self.name
        if u_from not in U_SOURCES:
            raise ValueError(f"u_from must be one of {U_SOURCES}, not {u_from!r}")
        # "random_sampling": u stays the chance of agreeing by coincidence between random
        # records; right for fields the blocking rules do not select on, such as blind IDs.
        self.u_from = u_from
        if len(self.levels) < 2:
            raise ValueError(f"{type(self).__name__} needs at least two levels besides null")

    @property
    def levels(self) -> list[Level]:
        """Ordered non-null levels, most alike first: exact, ``between``, else."""
        return ladder(self.between, exact=self.exact_level)

    def grade(self, lv: np.ndarray, rv: np.ndarray) -> np.ndarray:
        """Level index (1-based) for each non-null pair of values."""
        raise NotImplementedError

    def compare(
        self, left: pd.DataFrame, right: pd.DataFrame, li: np.ndarray, ri: np.ndarray
    ) -> np.ndarray:
        """Level of every candidate pair (0 where either side is null)."""
        return self.prepare(CodeBook(left, right))(li, ri)

    def prepare(self, book: CodeBook) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """A function grading pairs (left positions, right positions) of the book's two frames.

        The per-row work (value codes) is done once here, so pairs can be graded in slices.
        """
        lc, rc, vocabulary = book(self.left_column, self.right_column)
        return lambda li, ri: self.grade_codes(lc[li], rc[ri], vocabulary)

    def grade_codes(self, lc: np.ndarray, rc: np.ndarray, vocabulary: np.ndarray) -> np.ndarray:
        """Levels from value codes (-1 null): ``grade`` sees each distinct pair of values once."""
        out = np.zeros(len(lc), dtype=np.int8)
        ok = (lc >= 0) & (rc >= 0)
        if ok.any():
            width = np.int64(len(vocabulary))
            pairs, inverse, _ = distinct(lc[ok] * width + rc[ok])
            out[ok] = self.grade(vocabulary[pairs // width], vocabulary[pairs % width])[inverse]
        return out

    @property
    def left_column(self) -> str:
        """Column read on the left table."""
        return self.column

    @property
    def right_column(self) -> str:
        """Column read on the right table."""
        return self.column

    def describe(self, level: int) -> str:
        """A level in words, e.g. 姓名拼音一致."""
        if level == NULL:
            return f"{self.label_zh}缺失"
        return f"{self.label_zh}{self.levels[level - 1].label_zh}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.column!r})"


class ExactMatch(Comparison):
    """Equal or not."""

    def grade(self, lv: np.ndarray, rv: np.ndarray) -> np.ndarray:
        return np.where(lv == rv, 1, 2).astype(np.int8)

    def grade_codes(self, lc: np.ndarray, rc: np.ndarray, vocabulary: np.ndarray) -> np.ndarray:
        # One vocabulary for both sides: equal codes are equal values, no strings needed.
        out = np.where(lc == rc, 1, 2).astype(np.int8)
        out[(lc < 0) | (rc < 0)] = NULL
        return out


class _AtThresholds(Comparison):
    """Exact, then one level per threshold of a rapidfuzz score, else."""

    scorer: ClassVar = None
    higher_is_closer: ClassVar[bool] = True
    level_name: ClassVar[str] = ""  # formatted with the threshold t
    level_zh: ClassVar[str] = ""

    def __init__(self, column: str, thresholds: Sequence[float], **kw):
        self.thresholds = tuple(sorted(thresholds, reverse=self.higher_is_closer))
        super().__init__(column, **kw)

    @property
    def between(self) -> tuple[Level, ...]:
        return at_thresholds(self.level_name, self.level_zh, self.thresholds)

    def grade(self, lv: np.ndarray, rv: np.ndarray) -> np.ndarray:
        scores = process.cpdist(lv.tolist(), rv.tolist(), scorer=type(self).scorer, workers=-1)
        return threshold_grades(scores, self.thresholds, lv == rv, higher=self.higher_is_closer)


class JaroWinklerAtThresholds(_AtThresholds):
    """Exact, then Jaro-Winkler similarity at or above each threshold, else."""

    scorer = JaroWinkler.normalized_similarity
    level_name, level_zh = "jw>={t}", "相似度≥{t}"

    def __init__(self, column: str, thresholds: Sequence[float] = (0.9, 0.8), **kw):
        super().__init__(column, thresholds, **kw)


class DamerauLevenshteinAtThresholds(_AtThresholds):
    """Exact, then edit distance (transpositions count one) at or below each threshold, else."""

    scorer = DamerauLevenshtein.distance
    higher_is_closer = False
    level_name, level_zh = "dl<={t}", "相差{t}个字符以内"

    def __init__(self, column: str, thresholds: Sequence[int] = (1, 2), **kw):
        super().__init__(column, thresholds, **kw)


class SwappedColumns(ExactMatch):
    """Left column equals the right table's other column (given name and surname swapped)."""

    def __init__(self, column: str, other: str, **kw):
        self.other = other
        super().__init__(column, **kw)

    @property
    def right_column(self) -> str:
        return self.other


class DateComparison(Comparison):
    """Dates as text: exact, one character typed wrong or swapped, same year and month, else.

    ``month_chars`` is how many leading characters hold year and month (7 for 2026-10-03).
    """

    label_zh = "出生日期"
    between = (Level("one_typo", "仅一位录入差异"), Level("same_month", "年月一致"))

    def __init__(self, column: str, month_chars: int = 7, **kw):
        self.month_chars = month_chars
        super().__init__(column, **kw)

    def grade(self, lv: np.ndarray, rv: np.ndarray) -> np.ndarray:
        vocabulary = np.concatenate([lv, rv]).astype(object)
        return self.grade_codes(np.arange(len(lv)), np.arange(len(lv), 2 * len(lv)), vocabulary)

    def prepare(self, book):
        lc, rc, vocabulary = book(self.left_column, self.right_column)
        tables = self._tables(vocabulary)
        return lambda li, ri: self._grade(lc[li], rc[ri], tables)

    def grade_codes(self, lc: np.ndarray, rc: np.ndarray, vocabulary: np.ndarray) -> np.ndarray:
        return self._grade(lc, rc, self._tables(vocabulary))

    def _tables(self, vocabulary: np.ndarray) -> tuple:
        """Per distinct date: its text, year-month code, characters and length."""
        text = np.array([str(v) for v in vocabulary], dtype=str)
        months, _ = pd.factorize(np.array([t[: self.month_chars] for t in text], dtype=object))
        chars = text.view(np.uint32).reshape(len(text), text.dtype.itemsize // 4)
        if chars.size and chars.max() < 256:
            chars = chars.astype(np.uint8)  # ASCII dates: a quarter of the memory to gather per pair
        return text, months, chars, np.char.str_len(text)

    def _grade(self, lc: np.ndarray, rc: np.ndarray, tables: tuple) -> np.ndarray:
        out = np.zeros(len(lc), dtype=np.int8)
        ok = np.flatnonzero((lc >= 0) & (rc >= 0))
        if not len(ok):
            return out
        a, b = lc[ok], rc[ok]
        text, months, chars, lengths = tables
        # Edit distance only where it can be 1: equal-length dates differing in at most two
        # places (a swap), or dates of different lengths; counting differing characters of
        # millions of pairs is array work.
        differing = (chars[a] != chars[b]).sum(axis=1)  # two row gathers, not two per character
        close = np.flatnonzero((differing <= 2) | (lengths[a] != lengths[b]))
        one_typo = np.zeros(len(a), dtype=bool)
        one_typo[close] = pair_scores(a[close], b[close], text.astype(object),
                                      DamerauLevenshtein.distance) <= 1
        graded = np.full(len(a), 4, dtype=np.int8)
        graded[months[a] == months[b]] = 3
        graded[one_typo] = 2
        graded[a == b] = 1
        out[ok] = graded
        return out


class ChineseNameComparison(Comparison):
    """Same characters; same pinyin (traditional, homophone); shared readings; close pinyin; else.

    The column holds cleaned names (``clean_name``); ``pinyin_column`` their pinyin keys.
    """

    label_zh = "姓名"
    exact_level = Level("exact", "完全一致")

    def __init__(
        self, column: str, pinyin_column: str, jw_threshold: float = 0.88,
        readings_floor: float = 0.7, **kw,
    ):
        self.pinyin_column = pinyin_column
        self.jw_threshold = jw_threshold
        self.readings_floor = readings_floor
        super().__init__(column, **kw)

    @property
    def between(self) -> tuple[Level, ...]:
        return (Level("pinyin", "拼音一致(同音字或繁简)"), Level("readings", "多音字读音相同"),
                *at_thresholds("similar", "拼音相似(≥{t})", [self.jw_threshold]))

    def prepare(self, book):
        names, pinyins = book(self.column), book(self.pinyin_column)
        return lambda li, ri: self._grade(names, pinyins, li, ri)

    def _grade(self, name_codes: tuple, pinyin_codes: tuple, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
        nl, nr, names = name_codes
        pl, pr, pinyins = pinyin_codes
        nl, nr = nl[li], nr[ri]
        ok = (nl >= 0) & (nr >= 0)
        out = np.zeros(len(li), dtype=np.int8)
        if not ok.any():
            return out
        nl, nr, pl, pr = nl[ok], nr[ok], pl[li][ok], pr[ri][ok]
        differ = np.flatnonzero(pl != pr)
        sim = pair_scores(pl[differ], pr[differ], pinyins, JaroWinkler.normalized_similarity)
        graded = np.full(len(nl), 5, dtype=np.int8)
        graded[differ[sim >= self.jw_threshold]] = 4
        # Heteronyms differ in one syllable or two, so their pinyin stays fairly close;
        # reading sets are only worth computing for such pairs.
        maybe = differ[sim >= self.readings_floor]
        graded[maybe[readable_alike(names, nl[maybe], nr[maybe])]] = 3
        graded[pl == pr] = 2
        graded[nl == nr] = 1
        out[ok] = graded
        return out

    def grade(self, lv, rv):  # pragma: no cover - prepare() is overridden
        raise NotImplementedError


class BlindIdComparison(Comparison):
    """Resident ID through blind keys only: same index; one typo (a strong key); weak key; else.

    ``typo_columns`` hold the four window keys; the last masks the sequence digits, so it
    agrees for anyone of the same region and birth month and is weak evidence on its own.
    The typo levels need one side without a valid ID: two valid, different IDs are "else".
    """

    label_zh = "身份证号"
    between = (Level("one_typo", "仅一处录入错误(模糊键一致)"), Level("weak", "地区与出生年月一致"))

    def __init__(
        self, column: str = "id_index", typo_columns: Sequence[str] = (
            "id_key0", "id_key1", "id_key2", "id_key3"), weak_columns: Sequence[str] = ("id_key3",),
        **kw,
    ):
        self.typo_columns = tuple(typo_columns)
        self.weak_columns = tuple(weak_columns)
        super().__init__(column, **kw)

    def prepare(self, book):
        codes = {col: book(col)[:2] for col in (*self.typo_columns, self.column)}
        return lambda li, ri: self._grade(codes, li, ri)

    def _grade(self, codes: dict, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
        n = len(li)
        strong = np.zeros(n, bool)
        weak = np.zeros(n, bool)
        any_key = np.zeros(n, bool)
        for col in self.typo_columns:
            lv, rv = codes[col][0][li], codes[col][1][ri]
            present = (lv >= 0) & (rv >= 0)
            agree = present & (lv == rv)
            any_key |= present
            if col in self.weak_columns:
                weak |= agree
            else:
                strong |= agree
        lv, rv = codes[self.column][0][li], codes[self.column][1][ri]
        both = (lv >= 0) & (rv >= 0)
        out = np.where(any_key | both, 4, 0).astype(np.int8)
        out[weak] = 3
        out[strong] = 2
        # Two valid IDs that differ are two people: one typo never passes the check digit, so
        # neither a shared window nor the same region and birth month makes them alike.
        out[both & (lv != rv)] = 4
        out[both & (lv == rv)] = 1
        return out

    def grade(self, lv, rv):  # pragma: no cover - prepare() is overridden
        raise NotImplementedError


class TermFrequency(Comparison):
    """Splink-style term-frequency adjustment of another comparison's exact level, per block.

    Where both sides carry the same ``column`` value (the same cleaned name), the pair gets
    ``log2(u_exact / u_tf)`` more bits: ``u_exact`` is the u the model learned for the exact
    level of comparison ``of`` (an average name), ``u_tf`` the chance that a non-matching
    candidate in the right row's block carries this very value. Name-only candidates share a
    ``within`` key (the surname) in a ``block`` (the village), so u_tf is the value's share
    among the block's *other* persons of that key, smoothed towards its county-wide share with
    ``prior_persons`` pseudo-persons: a name unique in its village weighs more than a common
    one, and two 张伟 in one village weigh less. Levels are u_tf bins (``thresholds``, each bin
    twice the last), so pairs still pack into patterns; null where the values differ.
    The model does not learn these levels by EM: their weights follow from u_tf (training).
    """

    label_zh = "姓名常见度"
    adjustment = True

    def __init__(self, column: str, of: str, block: str, within: str,
                 thresholds: Sequence[float] = (0.005, 0.01, 0.02, 0.04, 0.08, 0.16),
                 prior_persons: float = 10.0, **kw):
        self.of, self.block, self.within = of, block, within
        self.thresholds = tuple(sorted(float(t) for t in thresholds))
        if not self.thresholds or self.thresholds[0] <= 0 or self.thresholds[-1] >= 1:
            raise ValueError(f"term_frequency thresholds must lie between 0 and 1, not {thresholds}")
        if prior_persons <= 0:
            raise ValueError(f"term_frequency prior_persons must be above 0, not {prior_persons}")
        self.prior_persons = float(prior_persons)
        kw.setdefault("name", f"{column}_tf")
        kw["u_from"] = "term_frequency"
        super().__init__(column, **kw)

    @property
    def levels(self) -> list[Level]:
        """One level per u_tf bin, rarest first."""
        edges = [f"{t:.1%}" for t in self.thresholds]
        words = [f"本村同姓中同名占比<{edges[0]}"]
        words += [f"本村同姓中同名占比{a}–{b}" for a, b in zip(edges, edges[1:])]
        words.append(f"本村同姓中同名占比≥{edges[-1]}")
        return [Level(f"tf{k}", w) for k, w in enumerate(words)]

    @property
    def representative_u(self) -> np.ndarray:
        """The u_tf a level stands for: the geometric middle of its bin (outer bins as wide)."""
        t = np.array(self.thresholds)
        ratio = t[1] / t[0] if len(t) > 1 else 2.0
        edges = np.concatenate([[t[0] / ratio], t, [min(t[-1] * ratio, 1.0)]])
        return np.sqrt(edges[:-1] * edges[1:])

    def describe(self, level: int) -> str:
        """``""`` when null (the names differ: nothing to adjust), else the bin in words."""
        return "" if level == NULL else self.levels[level - 1].label_zh

    def prepare(self, book):
        lc, rc, _ = book(self.column)
        lb, rb, _ = book(self.block)
        in_block, in_county = self.right_bins(book)
        return lambda li, ri: self._grade(lc[li], rc[ri], lb[li], rb[ri], in_block[ri], in_county[ri])

    def right_bins(self, book: CodeBook) -> tuple[np.ndarray, np.ndarray]:
        """Per right row, the level (1-based) of its value's u_tf in its block, and of its share
        county-wide (for a record from another block, whose rivals are the county's)."""
        _, values, _ = book(self.column)
        _, blocks, _ = book(self.block)
        _, keys, _ = book(self.within)
        edges = np.array(self.thresholds)
        out = []
        for b in (blocks, np.full(len(blocks), -1)):
            u = term_frequency_u(values, keys, b, self.prior_persons)
            bins = (np.searchsorted(edges, u, side="right") + 1).astype(np.int8)
            bins[values < 0] = NULL
            out.append(bins)
        return out[0], out[1]

    @staticmethod
    def _grade(lc: np.ndarray, rc: np.ndarray, lb: np.ndarray, rb: np.ndarray,
               in_block: np.ndarray, in_county: np.ndarray) -> np.ndarray:
        same = (lc >= 0) & (lc == rc)
        bins = np.where((lb >= 0) & (lb == rb), in_block, in_county)
        return np.where(same, bins, NULL).astype(np.int8)

    def grade(self, lv, rv):  # pragma: no cover - prepare() is overridden
        raise NotImplementedError


def term_frequency_u(values: np.ndarray, keys: np.ndarray, blocks: np.ndarray,
                     prior_persons: float) -> np.ndarray:
    """Per row: the share of the other rows of its block and key (same village and surname)
    carrying its value, smoothed towards the value's share of its key over all rows.

    Codes are integers, -1 missing; a row without key or block falls back to the county share.
    """
    n = len(values)
    out = np.ones(n)
    has = values >= 0
    if not has.any():
        return out
    v = values[has]
    k = np.where(keys[has] >= 0, keys[has], -1)
    b = blocks[has]
    county_value = _counts_of(v, k)
    county_key = _counts_of(k)
    share = county_value / np.maximum(county_key, 1)
    in_block = b >= 0
    block_value = np.where(in_block, _counts_of(v, k, b) - 1, 0)
    block_key = np.where(in_block, _counts_of(k, b) - 1, 0)
    out[has] = (block_value + prior_persons * share) / (block_key + prior_persons)
    return np.clip(out, 1e-6, 1.0)


def _counts_of(*columns: np.ndarray) -> np.ndarray:
    """How many rows share each row's combination of ``columns`` (integer codes)."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        codes, _ = pd.factorize(col)
        combined = combined * (int(codes.max(initial=0)) + 2) + codes + 1
        combined, _ = pd.factorize(combined)
        combined = combined.astype(np.int64)
    return np.bincount(combined)[combined]


LIBRARY: dict[str, type[Comparison]] = {
    "exact_match": ExactMatch,
    "jaro_winkler_at_thresholds": JaroWinklerAtThresholds,
    "damerau_levenshtein_at_thresholds": DamerauLevenshteinAtThresholds,
    "swapped_columns": SwappedColumns,
    "date": DateComparison,
    "chinese_name": ChineseNameComparison,
    "blind_id": BlindIdComparison,
    "term_frequency": TermFrequency,
}


def comparison_from_dict(spec: dict) -> Comparison:
    """Build a comparison from ``{"type": "exact_match", "column": "sex", ...}``."""
    spec = dict(spec)
    kind = spec.pop("type", None)
    if kind not in LIBRARY:
        raise ValueError(
            f"unknown comparison type {kind!r}; use one of {sorted(LIBRARY)}, e.g. "
            "{'type': 'exact_match', 'column': 'sex'}"
        )
    return LIBRARY[kind](**spec)
