"""The demo county generator: a synthetic roster, eight messy department feeds and ground truth."""
from __future__ import annotations

__all__ = ["GeneratedCounty", "generate_county"]


def __getattr__(name: str):
    # Lazy: every `shouwang` command builds the parser, which imports shouwang_tools.demo.cli; the
    # generator pulls pandas (~1 s) that only `generate` and the demo need.
    if name in __all__:
        from shouwang_tools.demo import generate

        return getattr(generate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
