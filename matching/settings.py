"""The typed linkage spec: comparisons, blocking rules and model options, from a dict or YAML."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from matching.blocking import BlockOn, blocking_from_dict
from matching.comparisons import Comparison, comparison_from_dict


@dataclass
class LinkageSpec:
    """What to compare and how to decide; every engine step reads only this."""

    comparisons: list[Comparison]
    blocking_rules: list[BlockOn]
    prior_match_rate: float = 0.01
    em_max_iterations: int = 25
    em_tolerance: float = 1e-6
    u_random_pairs: int = 200_000
    seed: int = 7
    auto_threshold: float = 0.95
    review_threshold: float = 0.5
    # A runner-up this many bits (log2 Bayes factor) behind the best sends a row to review.
    ambiguity_margin: float = 3.0
    # "left": each left row links at most once; "both": also each right row (FEBRL-style).
    one_to_one: str = "left"
    # A comparison whose top level is near-proof of a match (an exact blind ID): EM starts m
    # for the other comparisons from the pairs agreeing on it, so it cannot drift to a
    # cluster of look-alike non-matches on large, loose blocks.
    em_anchor: str | None = None
    # Decide on the probability of the record's person among all its candidates
    # (resolution.record_posterior) instead of each pair's own probability.
    record_posterior: bool = False
    # With record_posterior: a record whose best candidate has no rival at or above the review
    # threshold in another group goes auto from this record probability (None: off). A lone
    # exact name in the village with a blank ID stays below auto_threshold only because the
    # pairwise name weight is diluted by namesakes the name-keyed blocking rules bring in.
    sole_candidate_threshold: float | None = None
    # A block of a weaker rule pairing more rows than this is skipped (None: no limit); rules
    # that name their own max_block_pairs keep it.
    max_block_pairs: int | None = None
    # Rules (by name, e.g. "id_key2") that skip a left row the em_anchor's rule already paired:
    # an ID that matched exactly needs no typo-key neighbours. Name rules stay, since a record
    # may carry a relative's ID and only its name finds the right person.
    settled_skip_rules: tuple[str, ...] = ()
    # Candidate pairs made, compared and resolved at a time (a slice of left rows); bounds
    # memory on a large county (None: all at once). Results do not depend on it.
    chunk_pairs: int | None = 2_000_000
    # Pairs held in memory between training and resolution (8 bytes each); the slices beyond
    # wait in a temporary file (None: all in memory). Results do not depend on it.
    memory_pairs: int | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.one_to_one not in ("left", "both"):
            raise ValueError(f"one_to_one must be 'left' or 'both', not {self.one_to_one!r}")
        if not 0 < self.review_threshold <= self.auto_threshold <= 1:
            raise ValueError(
                "thresholds must satisfy 0 < review_threshold <= auto_threshold <= 1 "
                f"(got review {self.review_threshold}, auto {self.auto_threshold})"
            )
        sole = self.sole_candidate_threshold
        if sole is not None and not self.review_threshold <= sole <= self.auto_threshold:
            raise ValueError(
                "sole_candidate_threshold must lie between review_threshold and auto_threshold "
                f"(got {sole}; review {self.review_threshold}, auto {self.auto_threshold})"
            )
        names = [c.name for c in self.comparisons]
        if len(set(names)) != len(names):
            raise ValueError(f"comparison names must be unique: {names}; pass name=... to one")
        if self.em_anchor is not None and self.em_anchor not in names:
            raise ValueError(f"em_anchor {self.em_anchor!r} is not a comparison; use one of {names}")
        if self.max_block_pairs is not None and self.max_block_pairs < 1:
            raise ValueError(f"max_block_pairs must be a positive number of pairs, not {self.max_block_pairs}")
        if self.chunk_pairs is not None and self.chunk_pairs < 1:
            raise ValueError(f"chunk_pairs must be a positive number of pairs, not {self.chunk_pairs}")
        if self.memory_pairs is not None and self.memory_pairs < 0:
            raise ValueError(f"memory_pairs must be a number of pairs (0: all in a file), not {self.memory_pairs}")
        self.settled_skip_rules = tuple(self.settled_skip_rules)
        unknown = set(self.settled_skip_rules) - {r.name for r in self.blocking_rules}
        if unknown:
            rules = [r.name for r in self.blocking_rules]
            raise ValueError(f"settled_skip_rules {sorted(unknown)} are not blocking rules; use some of {rules}")
        if self.settled_skip_rules and self.em_anchor is None:
            raise ValueError("settled_skip_rules needs em_anchor: the comparison whose exact rule settles a row")
        self.blocking_rules = [self._tuned(rule) for rule in self.blocking_rules]

    def _tuned(self, rule: BlockOn) -> BlockOn:
        """The rule with the spec-wide block limit and its role in settling rows."""
        anchor = next((c.column for c in self.comparisons if c.name == self.em_anchor), None)
        if self.settled_skip_rules and rule.columns == (anchor,) and not rule.right_columns:
            return replace(rule, settles=True)
        if rule.name in self.settled_skip_rules:
            rule = replace(rule, skips_settled=True)
        if rule.max_block_pairs is None and not rule.settles and self.max_block_pairs is not None:
            return replace(rule, max_block_pairs=self.max_block_pairs)
        return rule

    @classmethod
    def from_dict(cls, data: dict, overrides: dict | None = None) -> "LinkageSpec":
        """Build from ``{"comparisons": [...], "blocking_rules": [...], ...}`` plus overrides."""
        data = {**data, **(overrides or {})}
        known = set(cls.__dataclass_fields__) - {"comparisons", "blocking_rules", "extra"}
        unknown = set(data) - known - {"comparisons", "blocking_rules"}
        if unknown:
            raise ValueError(f"unknown linkage spec keys {sorted(unknown)}; known: {sorted(known)}")
        return cls(
            comparisons=[comparison_from_dict(c) for c in data.get("comparisons", [])],
            blocking_rules=[blocking_from_dict(b) for b in data.get("blocking_rules", [])],
            **{k: v for k, v in data.items() if k in known},
        )

    @classmethod
    def from_yaml(cls, path: Path | str, overrides: dict | None = None) -> "LinkageSpec":
        """Build from a YAML file shaped like ``from_dict``'s argument."""
        return cls.from_dict(yaml.safe_load(Path(path).read_text(encoding="utf-8")), overrides)
