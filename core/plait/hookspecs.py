"""pluggy hooks: things that happen, as opposed to functions a config names.

A plugin implements them in a module listed under the entry-point group
``plait`` (``[project.entry-points.plait] myplugin = "my_plugin.hooks"``).
Keep hook modules cheap to import: heavy libraries belong inside commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

hookspec = pluggy.HookspecMarker("plait")
hookimpl = pluggy.HookimplMarker("plait")


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to `plait` (e.g. `plait ray train`). Called once when
    the CLI starts. Import heavy libraries inside the command, not at module
    level, so `plait --help` stays fast."""


@hookspec
def init_config_components(
    pipeline: list[str], lang: str, optimize: str, gpu: bool
) -> dict[str, dict[str, Any]] | None:
    """Contribute starter config blocks to `plait init config`.

    Return config sections for those components of `pipeline` this plugin
    provides, as ``{"components.tagger": {"factory": "tagger"},
    "components.tagger.model": {"@architectures": …}, …}`` (dotted section
    name -> keys), choosing the variant for `optimize` ("efficiency" or
    "accuracy") and `gpu`. Return None for components you do not provide.
    Sections for one component come from the first plugin that returns them.
    """


@hookspec
def init_config_listeners(
    pipeline: list[str], lang: str, optimize: str, gpu: bool
) -> dict[str, list[str]] | None:
    """Say which components of `pipeline` you provide can listen to a shared
    upstream component, as ``{"tok2vec": ["tagger", "parser"]}`` (shared
    component name -> the listening component names, in pipeline order).

    Called by `plait init config` before `init_config_components`: when two
    or more components of the pipeline can listen to the same shared
    component and the user did not ask for separate ones, that component is
    added at the front of the pipeline, and `init_config_components` then sees
    it in `pipeline` (its recommendations point the listeners at it). Count a
    component only where your recommended model for `optimize` would use the
    shared output. Return None when none of your components can listen.
    """


@hookspec(firstresult=True)
def setup_gpu(gpu_id: int) -> Any:
    """Make GPU `gpu_id` the device for models built from now on and return
    the ops now current (thinc ``Ops``); raise ``plait.errors.UsageError``
    saying what is missing when that GPU cannot be used. Implemented by
    plait-gpu; the first plugin that returns ops wins."""


@hookspec
def info_sections() -> dict[str, Any] | None:
    """Extra sections for `plait info`, as ``{"section": value}`` (a value
    is printed as JSON with ``--json`` and line by line otherwise). Keep it
    fast and never raise: report problems inside the section."""
