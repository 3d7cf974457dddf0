"""Shouwang's own engine in the benchmark: the person spec on the county, a spec file on FEBRL4."""
from __future__ import annotations

from importlib import resources

from matching.engine import link_frames
from matching.person_frames import person_spec
from matching.settings import LinkageSpec
from shouwang import config
from shouwang_tools.bench.datasets import Dataset


def link(data: Dataset, auto_threshold: float | None = None) -> tuple[set, dict]:
    """Predicted (left key, right key) pairs (the auto band after resolution) and notes."""
    if data.name == "county":
        spec = person_spec(config.settings())
        group = "household_key"
    else:
        path = resources.files("shouwang_tools.bench").joinpath(f"{data.name}_spec.yaml")
        spec = LinkageSpec.from_yaml(str(path))
        group = None
    result = link_frames(data.left, data.right, spec, group=group)
    got = result.linked()
    review = int((result.best["status"] == "review").sum())
    notes = {"review_share": review / len(data.left), "candidate_pairs": result.n_pairs,
             "em_iterations": result.params.iterations}
    return set(zip(data.left[data.left_key].to_numpy()[got["li"]],
                   data.right[data.right_key].to_numpy()[got["ri"]])), notes
