"""Modules that fit their jobs (issue 15, item 5): imports among privacy_warehouse's modules flow
one way (no cycle), and no module in src/ is over 700 lines.

The import graph is read from the source with `ast`, not by importing it: every `import` and
`from ... import` anywhere in a module (inside functions too: a lazy import is a dependency all
the same), resolved to the most specific module of the package. A package's `__init__` is a
module of its own; the implicit import of a parent package by its submodules is not an edge, or
every package whose `__init__` imports a submodule would be a cycle.

Both guards are shown failing on a planted cycle and a planted long module, in a copy of src/.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from dbt_project_runner import PROJECT_ROOT

SRC = PROJECT_ROOT / "src"
PACKAGE = "privacy_warehouse"
MAX_LINES = 700


def modules(src: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (`__init__` as the package)."""
    found = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def import_graph(src: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    known = modules(src)
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                # `from pkg import sub` imports the submodule; `from mod import name`, the module.
                targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in known
                           else module for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in known:  # `import a.b.c` of a name inside a.b
                    target = target.rpartition(".")[0]
                if target and target != name:
                    imported.add(target)
        graph[name] = imported
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


def test_no_module_is_over_700_lines():
    assert long_modules(SRC) == {}


def reach(graph: dict[str, set[str]], module: str) -> set[str]:
    """Every module `module` imports, directly or through others."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def long_modules(src: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Modules over `limit` lines, with their line counts."""
    counts = {name: len(path.read_text(encoding="utf-8").splitlines())
              for name, path in modules(src).items()}
    return {name: lines for name, lines in counts.items() if lines > limit}


def test_no_import_cycle_among_the_packages_modules():
    graph = import_graph(SRC)
    assert len(graph) > 20 and any(graph.values())  # the graph was read, not empty
    assert cycles(graph) == []


SHARED = {f"{PACKAGE}.{name}" for name in ("sql", "dbt_artifacts", "personal_data")}
USERS = {f"{PACKAGE}.{name}" for name in ("publish", "validate", "report")}


def layering_problems(graph: dict[str, set[str]]) -> list[str]:
    """dbt's artifacts, the personal-data shapes and SQL quoting import none of their users; the
    evidence scrubber and validation need not publish, and the report needs neither publish nor
    validation (issue 15: publish -> evidence -> validate -> evidence -> publish, no more)."""
    problems = [f"{module} imports {sorted(reach(graph, module) - SHARED)}"
                for module in sorted(SHARED) if reach(graph, module) - SHARED]
    for module in (f"{PACKAGE}.report.evidence", f"{PACKAGE}.validate", f"{PACKAGE}.report"):
        above = reach(graph, module) & USERS
        if above:
            problems.append(f"{module} imports {sorted(above)}")
    return problems


def test_shared_concepts_sit_below_the_modules_that_use_them():
    graph = import_graph(SRC)
    for module in USERS:
        assert SHARED & graph[module], f"{module} reads no shared concept: is the graph read?"
    assert layering_problems(graph) == []


def _copy_of_src(tmp_path: Path) -> Path:
    copy = tmp_path / "src"
    shutil.copytree(SRC / PACKAGE, copy / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_cycle_guard_finds_a_planted_cycle(tmp_path):
    """publish reads dbt's artifacts; plant the reverse, a lazy import inside a function."""
    src = _copy_of_src(tmp_path)
    before = cycles(import_graph(src))
    artifacts = src / PACKAGE / "dbt_artifacts.py"
    artifacts.write_text(artifacts.read_text(encoding="utf-8") + (
        "\n\ndef _planted():\n"
        "    from privacy_warehouse.publish import published_nodes\n\n"
        "    return published_nodes\n"), encoding="utf-8")
    found = [c for c in cycles(import_graph(src)) if c not in before]
    assert any({f"{PACKAGE}.dbt_artifacts", f"{PACKAGE}.publish"} <= set(c) for c in found), found


def test_the_cycle_guard_finds_a_relative_cycle_in_a_subpackage(tmp_path):
    """The generator's old circle, planted again: boundary imports the planner that imports it."""
    src = _copy_of_src(tmp_path)
    boundary = src / PACKAGE / "generate" / "boundary.py"
    boundary.write_text(boundary.read_text(encoding="utf-8").replace(
        "from .draws import Draws\n", "from .draws import Draws\nfrom .plan import Planner\n"),
        encoding="utf-8")
    found = cycles(import_graph(src))
    assert [f"{PACKAGE}.generate.boundary", f"{PACKAGE}.generate.plan"] in found, found


def test_the_length_guard_finds_a_planted_long_module(tmp_path):
    src = _copy_of_src(tmp_path)
    before = long_modules(src)
    sql = src / PACKAGE / "sql.py"
    lines = len(sql.read_text(encoding="utf-8").splitlines())
    sql.write_text(sql.read_text(encoding="utf-8") + "# padding\n" * (MAX_LINES + 1 - lines),
                   encoding="utf-8")
    assert long_modules(src) == {**before, f"{PACKAGE}.sql": MAX_LINES + 1}


def test_the_layering_guard_finds_a_planted_upward_import(tmp_path):
    """The old order, planted again: the evidence scrubber takes `redact` from validate."""
    src = _copy_of_src(tmp_path)
    evidence = src / PACKAGE / "report" / "evidence.py"
    evidence.write_text(evidence.read_text(encoding="utf-8").replace(
        "from privacy_warehouse.personal_data import redact",
        "from privacy_warehouse.validate import redact"), encoding="utf-8")
    assert layering_problems(import_graph(src)) == [
        f"{PACKAGE}.report.evidence imports ['{PACKAGE}.validate']",
        f"{PACKAGE}.report imports ['{PACKAGE}.validate']"]
