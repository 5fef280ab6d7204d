"""The package layout: no import cycle between pipeline modules, and no module too big to read."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "pipeline"
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every pipeline module and the pipeline modules it imports, at the top or inside a function."""
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            found |= {t for t in targets if t in modules and t != name}
        graph[name] = found
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [node, nxt] if nxt in path else [node, nxt]
            if nxt not in state and (found := visit(nxt, path + [node])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [])):
            return found
    return None


def test_no_import_cycle_between_pipeline_modules():
    """No pipeline module imports, directly or through others, a module that imports it back (lazy imports count)."""
    graph = _imports()
    assert len(graph) > 40 and graph["pipeline.runner"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: a made-up cycle is found."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_module_is_over_400_lines():
    """Modules stay small enough to read in one sitting."""
    sizes = {_module_name(p): len(p.read_text(encoding="utf-8").splitlines()) for p in ROOT.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_every_package_ships_in_the_wheel():
    """pyproject.toml lists packages by hand (expectations/ is mapped in): a stage package missing there is absent
    from a wheel install, and the first run that imports it fails."""
    import tomllib

    listed = set(tomllib.loads((ROOT.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {".".join(init.parent.relative_to(ROOT.parent).parts) for init in ROOT.rglob("__init__.py")}
    assert packages - listed == set()


_MACHINE_OR_TRACKER = re.compile(r"(?<![\w.])/(?:work|tmp|home|root|Users|scratch)/|(?i:\bissues?[ -]?#?\d+|closing note)")
"""What a reader of the repository cannot open: a path on one machine, an issue number of a tracker they do not
see, an issue's closing note."""


def _unopenable(text: str) -> list[str]:
    return [f"{n}: {line.strip()[:120]}" for n, line in enumerate(text.splitlines(), start=1)
            if _MACHINE_OR_TRACKER.search(line)]


def test_docs_and_benchmarks_name_nothing_a_reader_cannot_open():
    """README, docs/, benchmarks/ and examples/ name no machine path (/work/, /tmp/...) and no issue number."""
    repo = ROOT.parent
    files = [repo / "README.md", *sorted((repo / "docs").glob("*.md")), *sorted((repo / "benchmarks").iterdir()),
             *sorted((repo / "examples").iterdir()), repo / "samples" / "README.md"]
    found = {str(p.relative_to(repo)): hits for p in files if p.is_file() and p.suffix in (".md", ".py", ".yml", ".json")
             for hits in [_unopenable(p.read_text(encoding="utf-8"))] if hits}
    assert found == {}


def test_the_unopenable_finder_finds_them():
    """The check above can fail: each kind is found, and ordinary text (a relative tmp/ folder, 'issues') is not."""
    assert len(_unopenable("data in /work/shared/data\nsee issue 14\nas issue #3 says\nits closing note\n"
                           "cache in /tmp/ftprep-bench")) == 5
    assert _unopenable("write to tmp/out or out/tmp/x; known issues: none; 2/14 runs; GET /users/{id}") == []
