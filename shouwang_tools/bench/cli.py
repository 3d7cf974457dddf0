"""The `shouwang bench ...` command group; each benchmark is a module with ``register(sub)``."""
from __future__ import annotations

import argparse
import importlib

BENCHMARKS = ("shouwang_tools.bench.match", "shouwang_tools.bench.e2e", "shouwang_tools.bench.daily")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `shouwang bench` and every benchmark module present under it."""
    parser = sub.add_parser("bench", help="benchmarks (record linkage against peers, ...)")
    bench = parser.add_subparsers(dest="bench_what", metavar="WHAT", required=True)
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue  # that benchmark is not written yet
            raise
        module.register(bench)
