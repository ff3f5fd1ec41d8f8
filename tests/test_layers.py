"""The house's floors hold: no import circle anywhere in brickwork, nothing imports upward.

Every import statement counts, also one inside a function or under ``if TYPE_CHECKING``:
a lazy import is still a circle, only hidden. The floors are DESIGN.md's (and
docs/architecture.md's): platform ← engines ← connectors ← the top floor. Inside the form
engine, its own floors (brickwork/engines/form/floors.py). Each failure names the module,
what it imports, and the rule that forbids it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

import brickwork
from brickwork.engines.form.floors import FLOORS as FORM_FLOORS

ROOT = Path(brickwork.__file__).parent
FORM = "brickwork.engines.form"

# The floors of the package, bottom to top; a module belongs to the first entry that
# names it or a package above it.
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("platform", ("brickwork.platform", "brickwork.migrations")),
    ("engines", ("brickwork.engines",)),
    ("connectors", ("brickwork.connectors",)),
    ("top", ("brickwork.builder_ui", "brickwork.app", "brickwork.cli", "brickwork.kinds", "brickwork.templates",
             "brickwork.__main__")),
]
TOP_FILES = ("brickwork.cli_",)  # cli.py, cli_apps.py, ...: the command line is on the top floor
# Which engine may import which: form is the ground of the engines; rules may use flow.
ENGINE_MAY_IMPORT = {"form": set(), "flow": {"form"}, "rules": {"form", "flow"}, "report": {"form"}}
WEB = ("fastapi", "starlette")

@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} imports {self.target} ({_path(self.source)}:{self.line})"


def _path(module: str) -> str:
    path = ROOT.parent / Path(*module.split("."))
    return str((path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(ROOT.parent))


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports() -> list[Import]:
    """Every import of a brickwork module or of a third-party top-level name, anywhere in
    each file (the web frameworks are checked by their top-level name)."""
    found = []
    for module, path in MODULES.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [Import(module, alias.name, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's own package, one level up per extra dot
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
                for alias in node.names:
                    name = f"{base}.{alias.name}"  # ``from pkg import module`` imports the module
                    found.append(Import(module, name if name in MODULES else base, node.lineno))
    return found


IMPORTS = _imports()
INTERNAL = [i for i in IMPORTS if i.target in MODULES and i.target != i.source]


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def floor_of(module: str) -> int | None:
    if module.startswith(TOP_FILES):
        return len(FLOORS) - 1
    for number, (_name, prefixes) in enumerate(FLOORS):
        if any(_within(module, p) for p in prefixes):
            return number
    return None


def engine_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "engines" else None


def form_floor_of(module: str) -> int | None:
    name = module.removeprefix(FORM + ".")
    for number, (_name, members) in enumerate(FORM_FLOORS):
        if any(_within(name, m) for m in members):
            return number
    return None


def _report(problems: list[str], what: str) -> str:
    return f"{what}:\n  " + "\n  ".join(problems)


def test_every_module_stands_on_a_floor():
    """A new top-level module or engine module must be placed on a floor, or the other
    checks would not see it."""
    lost = [f"{m} ({_path(m)}): add it to FLOORS in tests/test_layers.py" for m in MODULES
            if m != "brickwork" and floor_of(m) is None]
    lost += [f"{m} ({_path(m)}): add it to a floor in brickwork/engines/form/floors.py" for m in MODULES
             if _within(m, FORM) and m != FORM and form_floor_of(m) is None]
    assert not lost, _report(lost, "Modules on no floor")


def test_no_import_circle_in_brickwork():
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    lines = {}
    for i in INTERNAL:
        graph.add_edge(i.source, i.target)
        lines.setdefault((i.source, i.target), i)
    circles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    problems = []
    for circle in circles:
        cycle = nx.find_cycle(graph.subgraph(circle))
        problems.append("a circle of " + str(len(circle)) + " modules: " + ", ".join(circle) + "\n    for example: "
                        + "; ".join(str(lines[edge]) for edge in cycle))
    assert not problems, _report(problems, (
        "Import circles (one of the modules in each is really two things: split it, so that the "
        "part the others need sits a floor below)"))


def test_nothing_imports_from_a_floor_above():
    problems = []
    for i in INTERNAL:
        here, there = floor_of(i.source), floor_of(i.target)
        if here is None or there is None:
            continue
        if there > here:
            problems.append(f"{i}: the {FLOORS[here][0]} floor may not import the {FLOORS[there][0]} floor above it")
        elif _within(i.target, "brickwork.templates") and here < len(FLOORS) - 1:
            problems.append(f"{i}: templates are data for the top floor (app.py, cli) to hand down")
    assert not problems, _report(problems, "Imports upward (DESIGN.md: platform ← engines ← connectors ← top)")


def test_engines_import_each_other_only_downward():
    problems = []
    for i in INTERNAL:
        mine, theirs = engine_of(i.source), engine_of(i.target)
        if mine and theirs and mine != theirs and theirs not in ENGINE_MAY_IMPORT.get(mine, set()):
            problems.append(f"{i}: the {mine} engine may import only "
                            f"{sorted(ENGINE_MAY_IMPORT.get(mine, set())) or 'no other engine'}")
    assert not problems, _report(problems, "Engines calling up (they react to each other through events)")


def test_the_platform_imports_no_engine_or_anything_above():
    problems = [str(i) for i in INTERNAL if _within(i.source, "brickwork.platform") and floor_of(i.target) != 0]
    assert not problems, _report(problems, "The platform importing what stands on it")


def test_form_engine_modules_import_only_their_floor_or_below():
    problems = []
    for i in INTERNAL:
        if not (_within(i.source, FORM) and _within(i.target, FORM)) or FORM in (i.source, i.target):
            continue
        here, there = form_floor_of(i.source), form_floor_of(i.target)
        if here is not None and there is not None and there > here:
            problems.append(f"{i}: the {FORM_FLOORS[here][0]!r} floor may not import the "
                            f"{FORM_FLOORS[there][0]!r} floor above it")
    assert not problems, _report(problems, "Imports upward in the form engine (brickwork/engines/form/floors.py)")


@pytest.mark.parametrize("area, routers", [
    ("brickwork.engines", "an engine's api.py or *_api.py"),
    ("brickwork.platform", "the platform's api.py and http/"),
])
def test_only_routers_import_the_web_framework(area, routers):
    def router(module: str) -> bool:
        last = module.rpartition(".")[2]
        return last == "api" or last.endswith("_api") or _within(module, "brickwork.platform.http")

    problems = [f"{i}: only {routers} may" for i in IMPORTS
                if _within(i.source, area) and i.target.partition(".")[0] in WEB and not router(i.source)]
    assert not problems, _report(problems, "FastAPI or Starlette outside the HTTP routers")
