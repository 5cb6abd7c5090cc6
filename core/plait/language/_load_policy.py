"""What a saved pipeline's config may make ``plait.load`` call.

Loading builds the nlp object from the pipeline's own ``config.cfg``, and
building resolves the registered functions that config names. A pipeline
folder can come from anywhere, so its config must not be able to make
loading read files, open connections or run anything that building the
pipeline does not need: a ``[nlp.before_creation]`` pointed at a corpus
reader with ``path = "/dev/zero"`` would otherwise run at load time.

The rule (docs/architecture.md, "What loading may run"): in ``[nlp]`` and
``[components]`` (the only sections loading resolves) every ``@registry``
reference must name one of :data:`LOAD_REGISTRIES`, the registries whose
functions build the pipeline's objects. Readers, batchers, loggers,
optimizers, schedules, augmenters, converters, ``misc`` (which holds the
lookups loader, a file reader) and thinc's ``datasets`` are refused with an
error naming the file, the section and the function, unless the caller
trusts the pipeline (``trust_code=True``, as an installed package's
``load()`` does: its code runs anyway). A saved config also may
not ``source`` components from another folder: ``nlp.to_disk`` always writes
``factory`` blocks, so a ``source`` there was put in by hand and would make
loading read a pipeline outside the folder (or, pointed at the folder
itself, recurse without end).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import SerializationError

# Registries whose functions build the nlp object and its components.
LOAD_REGISTRIES = frozenset(
    {"tokenizers", "factories", "architectures", "layers", "initializers", "scorers", "callbacks"}
)
# The config sections building the nlp object resolves (the others, e.g.
# [corpora] and [training], are resolved only by training, on request).
LOAD_SECTIONS = ("nlp", "components")


def _references(node: Any, where: str) -> Iterator[tuple[str, str, Any]]:
    # Every (place, registry, function name) in a nested config dict.
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.startswith("@"):
                yield where, key[1:], value
            elif isinstance(value, (dict, list, tuple)):
                yield from _references(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _references(value, f"{where}[{i}]")


def check_loaded_config(config: dict[str, Any], source: Path) -> None:
    """Refuse a saved pipeline's config that would make loading call more than
    building the pipeline needs (see the module docstring for the rule).

    config (dict): the config, interpolated (so that a ``${...}`` reference
        cannot bring a reader in from another section).
    source (Path): the config file, named in the errors.
    """
    for section in LOAD_SECTIONS:
        for where, reg_name, func_name in _references(config.get(section, {}) or {}, section):
            if reg_name not in LOAD_REGISTRIES:
                raise SerializationError(
                    f"{source} [{where}]: refers to @{reg_name} = {func_name!r}, which loading a "
                    f"pipeline may not call. A saved pipeline's [nlp] and [components] may only use "
                    f"functions that build it (@{', @'.join(sorted(LOAD_REGISTRIES))}); readers and "
                    f"other functions that read files or data run only in training. If you trust this "
                    f"pipeline, load it with plait.load(path, trust_code=True) (CLI: --trust-code); if "
                    f"you made this config, build it with Language.from_config(...)."
                )


def check_no_source(config: dict[str, Any], path: Path) -> None:
    """Refuse ``source`` blocks in a saved pipeline's config.

    config (dict): the config (not interpolated).
    path (Path): the pipeline folder.
    """
    components = config.get("components", {}) or {}
    if not isinstance(components, dict):
        return
    here = path.resolve()
    for name, block in components.items():
        if not isinstance(block, dict) or "source" not in block:
            continue
        target = block["source"]
        cycle = ""
        if isinstance(target, str) and target and Path(target).resolve() == here:
            cycle = f" It sources the pipeline itself ({path} -> {path}), a cycle."
        raise SerializationError(
            f"{path / 'config.cfg'} [components.{name}] source = {target!r}: a saved pipeline cannot "
            f"source components from another folder (nlp.to_disk always writes `factory` blocks, "
            f"so this was added by hand).{cycle} Load the source pipeline and copy the component "
            f"with nlp.add_pipe('{name}', source=...), then save the result."
        )
