"""Imports run one way: no module imports a higher layer, lazy imports inside functions included.

Layers, low to high (docs/architecture.md): foundations (shouwang.core, shouwang.config) <
warehouse (with shouwang.context) < expectations < connectors < matching < screening < portal <
wiring (the rest of shouwang, dags) < tools (shouwang_tools, tools, shouwang.demo, shouwang.bench).
tests/ is not checked.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("warehouse", "expectations", "connectors", "matching", "screening", "portal")
FOUNDATIONS, WIRING, TOOLS = 0, len(ROOMS) + 1, len(ROOMS) + 2
SKIPPED_DIRS = {"tests", "var", "build", "dist", "node_modules", "docs", "docker", "__pycache__"}

# "file imports module" (no line: edits above it move it) still allowed while issue 14 lands.
# Add nothing here without a comment saying when it leaves.
ALLOWED: set[str] = set()


def rank(module: str) -> int | None:
    """The layer of a dotted module name; None when the module is not ours."""
    parts = module.split(".")
    top, sub = parts[0], (parts[1] if len(parts) > 1 else "")
    if top == "shouwang":
        if sub in ("", "core", "config"):
            return FOUNDATIONS
        if sub == "context":  # the warehouse handle (engine, vault)
            return 1
        return TOOLS if sub in ("demo", "bench") else WIRING
    if top in ROOMS:
        return 1 + ROOMS.index(top)
    if top == "dags":
        return WIRING
    if top in ("shouwang_tools", "tools"):
        return TOOLS
    return None


def module_of(root: Path, path: Path) -> str:
    """The dotted module name of a source file under ``root``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(root: Path, tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in ``tree``, at any depth; relative ones made absolute."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from shouwang import pipeline` imports the module shouwang.pipeline
                yield node.lineno, (f"{base}.{alias.name}" if is_module(root, f"{base}.{alias.name}")
                                    else base)


def is_module(root: Path, name: str) -> bool:
    """True when ``name`` is a module or package of the source tree under ``root``."""
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def source_files(root: Path) -> Iterator[Path]:
    """Every Python file of the project's source tree (tests and hidden folders left out)."""
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).parts
        if not any(p.startswith(".") or p in SKIPPED_DIRS for p in rel[:-1]):
            yield path


def upward_imports(root: Path) -> list[str]:
    """``file:line imports module`` for every import of a higher layer under ``root``."""
    found = []
    for path in source_files(root):
        module = module_of(root, path)
        own = rank(module)
        if own is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target in imported(root, tree, module, path.name == "__init__.py"):
            theirs = rank(target)
            if theirs is not None and theirs > own:
                found.append(f"{path.relative_to(root)}:{line} imports {target}")
    return list(dict.fromkeys(found))  # `from m import a, b` is one line


def without_line(found: str) -> str:
    """``file imports module`` from ``file:line imports module``."""
    where, _, what = found.partition(" imports ")
    return f"{where.rpartition(':')[0]} imports {what}"


def test_no_module_imports_a_higher_layer():
    found = upward_imports(ROOT)
    unexpected = [f for f in found if without_line(f) not in ALLOWED]
    assert not unexpected, "imports that run up the layers:\n" + "\n".join(unexpected)


def test_the_walk_finds_lazy_relative_and_from_imports(tmp_path):
    def write(rel: str, text: str) -> None:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")

    write("warehouse/__init__.py", "")
    write("warehouse/loader.py", "def load():\n    from connectors.plan import plan_feed\n")
    write("matching/__init__.py", "")
    write("matching/cli.py", "import json\n\n\ndef go():\n    from shouwang import pipeline\n")
    write("shouwang/__init__.py", "__version__ = '1'\n")
    write("shouwang/pipeline.py", "")
    write("shouwang/core/__init__.py", "")
    write("shouwang/core/args.py", "from .. import cli\nfrom shouwang import __version__, config\n")
    write("shouwang/cli.py", "import shouwang_tools.demo\nfrom portal import app\n")
    write("tests/test_x.py", "from shouwang_tools import demo\n")  # tests are not checked
    write(".venv/lib/x.py", "from shouwang_tools import demo\n")
    assert upward_imports(tmp_path) == [
        "matching/cli.py:5 imports shouwang.pipeline",
        "shouwang/cli.py:1 imports shouwang_tools.demo",
        "shouwang/core/args.py:1 imports shouwang.cli",
        "warehouse/loader.py:2 imports connectors.plan",
    ]
