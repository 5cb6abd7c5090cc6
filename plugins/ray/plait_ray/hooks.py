"""The pluggy hook that adds the ``plait ray`` command group.

Only a name, an import path and a line of help: ``plait --help`` imports
nothing of this plugin, and Ray is imported when ``plait ray train`` runs.
"""

from __future__ import annotations

from typing import Any

from plait.hookspecs import hookimpl


@hookimpl
def register_commands(cli: Any) -> None:
    cli.add_lazy_command("ray", "plait_ray.cli:ray_cli", "Parallel and distributed training on Ray.")
