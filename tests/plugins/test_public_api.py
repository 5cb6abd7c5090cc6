"""The in-repo plugins use only plait's public API, as an outside author must.

Every module under ``plugins/`` is parsed (not imported) and each import of a
``plait`` module is checked: no dotted component may start with ``_``
(``plait.tokens._doc_batch``, ``plait._anything``), nor may an imported name
(``from plait.tokens import _doc_batch``). What the plugins need is exported
from public modules instead (``plait.tokens``, ``plait.training``…, listed in
docs/plugins.md).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


def private_plait_imports(source: str) -> list[str]:
    """RETURNS (list[str]): the private plait names a module's source imports."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # The module, or else each imported name (which may be a submodule).
            modules = [node.module] if _private(node.module) else [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module", "__import__"
        ) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            modules = [node.args[0].value]
        else:
            continue
        found += [module for module in modules if _private(module)]
    return found


def _private(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "plait" and any(
        part.startswith("_") and not part.endswith("__") for part in parts[1:]
    )


def _plugin_modules() -> list[Path]:
    return sorted(p for p in PLUGINS.rglob("*.py") if ".egg-info" not in str(p))


def test_the_check_catches_private_imports():
    source = (
        "import plait._registry\n"
        "from plait.tokens._doc_batch import docs_to_array\n"
        "from plait.tokens import _doc_batch, Doc\n"
        "from plait.tokens import docs_to_array\n"
        "from ._local import x\n"
        "import importlib\nimportlib.import_module('plait.language._io')\n"
    )
    assert private_plait_imports(source) == [
        "plait._registry", "plait.tokens._doc_batch", "plait.tokens._doc_batch", "plait.language._io",
    ]


def test_plugins_are_found():
    names = {p.parent.name for p in _plugin_modules()}
    assert {"plait_pipes", "plait_readers", "plait_augmenters"} <= names


@pytest.mark.parametrize("path", _plugin_modules(), ids=lambda p: str(p.relative_to(PLUGINS)))
def test_plugin_module_imports_only_public_plait_modules(path):
    private = private_plait_imports(path.read_text(encoding="utf8"))
    assert private == [], (
        f"{path.relative_to(PLUGINS)} imports private plait modules {private}: export what it needs "
        f"from a public module (see docs/plugins.md) and import it from there."
    )
