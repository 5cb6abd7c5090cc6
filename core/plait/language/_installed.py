"""Pipelines installed as Python packages, found by name.

Why it exists: ``plait package`` writes a distribution that announces its
pipeline in the entry-point group ``plait_pipelines`` (name -> its module),
so after ``pip install`` of the wheel, ``plait.load("en_my_pipeline")``
works in any process and ``plait info`` lists what is installed. Listing
never imports a package (its ``meta.json`` is found with
``importlib.util.find_spec``); loading by name imports it, which is what
installing it trusted.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import UsageError, did_you_mean

GROUP = "plait_pipelines"


def installed_pipelines() -> dict[str, metadata.EntryPoint]:
    """RETURNS (dict[str, EntryPoint]): name -> entry point, for every installed pipeline."""
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=GROUP):
        found.setdefault(ep.name, ep)
    return found


def pipeline_summaries() -> list[dict[str, Any]]:
    """What `plait info` shows of each installed pipeline (no package is imported).

    RETURNS (list[dict]): name, version, distribution, components (or error).
    """
    rows = []
    for name, ep in sorted(installed_pipelines().items()):
        dist = ep.dist
        row: dict[str, Any] = {"name": name, "distribution": dist.name if dist else "?",
                               "version": dist.version if dist else "?"}
        try:
            spec = importlib.util.find_spec(ep.value)
            origin = Path(spec.origin) if spec is not None and spec.origin else None
            meta = json.loads((origin.parent / "meta.json").read_text(encoding="utf8")) if origin else {}
            row["components"] = list(meta.get("pipeline") or [])
        except (OSError, ValueError, ImportError) as err:
            row["error"] = f"cannot read its meta.json ({err})"
        rows.append(row)
    return rows


def load_installed(name: str, **overrides: Any) -> Any:
    """Load the installed pipeline `name` through its package's ``load()``.

    name (str): the pipeline's name (its package name, e.g. "en_core_sm").
    overrides: keyword arguments of plait.load (disable, exclude, config...).
    RETURNS (Language): the pipeline.
    """
    ep = installed_pipelines()[name]
    module = importlib.import_module(ep.value)
    loader = getattr(module, "load", None)
    if not callable(loader):
        raise UsageError(f"the installed pipeline package '{ep.value}' has no load() function; "
                         f"rebuild it with `plait package`.")
    return loader(**overrides)


def not_found_message(name: str) -> str:
    """The error for `plait.load(name)` when `name` is neither a folder nor installed."""
    installed = sorted(installed_pipelines())
    listing = (f" Installed pipelines: {', '.join(installed)}." if installed
               else " No pipeline package is installed (build one with `plait package`, then pip install it).")
    return (f"cannot load '{name}': it is neither a pipeline folder nor an installed pipeline."
            f"{did_you_mean(name, installed)}{listing}")
