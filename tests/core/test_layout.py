"""The import rules of docs/architecture.md that keep the kernel acyclic."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core" / "plait"


def _imports(path: Path) -> set[str]:
    """Every plait module a file imports, at any level (inside functions too)."""
    package = ".".join(path.relative_to(CORE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found |= ({module} - {"plait"}) | {f"{module}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("plait")}


def _imports_of(folder: str) -> dict[str, set[str]]:
    return {str(p.relative_to(CORE)): _imports(p) for p in sorted((CORE / folder).rglob("*.py"))}


def test_scoring_never_imports_language():
    # language/ imports scoring/ to evaluate; the reverse would be a cycle.
    bad = {f: sorted(m for m in mods if m.startswith("plait.language")) for f, mods in _imports_of("scoring").items()}
    assert {f: m for f, m in bad.items() if m} == {}


def test_plugin_machinery_imports_only_errors_and_hookspecs():
    allowed = ("plait.errors", "plait.hookspecs", "plait.plugins", "plait.language", "plait.tokens",
               "plait.training")
    for f, mods in _imports_of("plugins").items():
        # protocols.py names Language, Doc and Example for the type checker only.
        allow = allowed if f.endswith("protocols.py") else allowed[:3]
        assert all(m.startswith(allow) for m in mods), (f, sorted(mods))


def test_language_parts_do_not_import_the_language_class():
    # The parts share LanguageState; only _create.py names Language, as a type.
    for f, mods in _imports_of("language").items():
        if f.endswith(("_language.py", "__init__.py", "_create.py")):
            continue
        assert not any(m.startswith("plait.language._language") for m in mods), f
