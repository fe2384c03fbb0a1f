"""The package's import graph: no cycles (not even through imports inside functions), and
lower layers never import upper ones. Read from the source with ``ast``; nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "favor_hf"


def _module_files() -> dict[str, Path]:
    files = {}
    for path in PACKAGE.rglob("*.py"):
        if "_metrics" in path.relative_to(PACKAGE).parts:
            continue
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        files[name] = path
    return files


MODULES = _module_files()


def _resolve(target: str) -> str:
    """The module a dotted import name lands in (``favor_hf.synth.make_scene`` -> ``favor_hf.synth``)."""
    while target not in MODULES and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


def _imports(path: Path) -> set[str]:
    """favor_hf modules ``path`` imports at run time, at any depth (``if TYPE_CHECKING`` blocks left out)."""
    found: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if "TYPE_CHECKING" in ast.unparse(node.test):
                for child in node.orelse:
                    self.visit(child)
            else:
                self.generic_visit(node)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level == 0 and node.module and node.module.split(".")[0] == "favor_hf":
                found.update(_resolve(f"{node.module}.{alias.name}") for alias in node.names)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(_resolve(a.name) for a in node.names if a.name.split(".")[0] == "favor_hf")

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _reaches(start: str, goal: str) -> list[str] | None:
    """An import path from ``start`` to ``goal``, or None."""
    seen, frontier = {start}, [[start]]
    while frontier:
        path = frontier.pop()
        for nxt in sorted(GRAPH.get(path[-1], ())):
            if nxt == goal:
                return [*path, nxt]
            if nxt not in seen:
                seen.add(nxt)
                frontier.append([*path, nxt])
    return None


def test_no_import_cycles() -> None:
    cycles = [_reaches(name, name) for name in MODULES]
    assert not [c for c in cycles if c], "import cycles (also through imports inside functions)"


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("favor_hf.stats", "favor_hf.runner"),
        ("favor_hf.stats", "favor_hf.report"),
        ("favor_hf.models.flow", "favor_hf.synth"),
        ("favor_hf.caption.analysis.validity", "favor_hf.models.random_guess"),
        ("favor_hf.caption.analysis.llm_judge", "favor_hf.report"),
        ("favor_hf.runner", "favor_hf.stats"),
        ("favor_hf.integrations.mcq_conventions", "favor_hf.stats"),
        ("favor_hf.hub_metrics", "favor_hf"),
        ("favor_hf.synth.questions", "favor_hf.synth"),
    ],
)
def test_lower_layers_do_not_import_upper_ones(lower: str, upper: str) -> None:
    assert _reaches(lower, upper) is None, f"{lower} imports {upper}: {_reaches(lower, upper)}"


def test_render_stands_on_schema_only() -> None:
    """Everything may render, so render imports nothing of favor_hf that computes."""
    assert GRAPH["favor_hf.render"] <= {"favor_hf.schema"}
