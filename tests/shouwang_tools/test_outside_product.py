"""The product never reaches the tools: no module of the runtime packages imports shouwang_tools
(or the old shouwang.demo / shouwang.bench), neither by an import statement, lazily inside a
function, nor by name through importlib."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("shouwang", "warehouse", "expectations", "connectors", "matching", "screening", "portal", "dags")
TOOLS = ("shouwang_tools", "shouwang.demo", "shouwang.bench")


def _is_tool(name: str) -> bool:
    return any(name == t or name.startswith((t + ".", t + ":")) for t in TOOLS)


def tool_references(source: str, label: str) -> list[str]:
    """`label:line name` for each import of a tool, and each string naming a tool module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]  # importlib.import_module("...") and lists of modules
        found += [f"{label}:{node.lineno} {n}" for n in names if _is_tool(n)]
    return found


def test_no_runtime_module_imports_the_tools():
    files = [p for pkg in PRODUCT for p in (ROOT / pkg).rglob("*.py")]
    assert len(files) > 100  # the walk found the product

    refs = [r for p in files for r in tool_references(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]

    assert refs == []


def test_the_walk_sees_lazy_and_by_name_imports():
    source = ("def f():\n    from shouwang_tools.demo.generate import generate_county\n"
              "ROOMS = ('warehouse.cli', 'shouwang.demo.cli')\n"
              "import shouwang.core\n")

    assert tool_references(source, "probe.py") == ["probe.py:2 shouwang_tools.demo.generate",
                                                   "probe.py:3 shouwang.demo.cli"]
