"""`plait init config`: a complete, valid starter config for any installed components.

Component blocks come from plugins through the ``init_config_components``
hook (so third-party components get good starter configs too); everything
else is filled from the factories' defaults and plait's default config.
Before that, the ``init_config_listeners`` hook says which components can
listen to a shared upstream component (plait-pipes: a ``tok2vec``); when two
or more can, that component is added at the front of the pipeline, as
spaCy's ``init config`` does, unless ``--separate-tok2vec`` is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ._options import code_option, verbose_option
from ._output import write_text_output

OPTIMIZE_CHOICES = ("efficiency", "accuracy")


def _base_sections(lang: str, pipeline: list[str], optimize: str, gpu: bool) -> dict[str, dict[str, Any]]:
    return {
        "paths": {"train": None, "dev": None, "vectors": None, "init_tok2vec": None},
        "system": {"gpu_allocator": "pytorch" if gpu else None, "seed": 0},
        "nlp": {"lang": lang, "pipeline": pipeline, "batch_size": 128 if gpu else 1000},
        "components": {},
        "corpora": {},
        "corpora.train": {"@readers": "plait.Corpus.v1", "path": "${paths.train}", "max_length": 0},
        "corpora.dev": {"@readers": "plait.Corpus.v1", "path": "${paths.dev}", "max_length": 0},
        "training": {
            "dev_corpus": "corpora.dev", "train_corpus": "corpora.train",
            "accumulate_gradient": 3 if gpu and optimize == "accuracy" else 1,
        },
        "training.optimizer": {"@optimizers": "Adam.v1"},
        "training.batcher": {
            "@batchers": "plait.batch_by_words.v1", "discard_oversize": False, "tolerance": 0.2,
        },
        "training.batcher.size": {
            "@schedules": "compounding.v1", "start": 100, "stop": 1000, "compound": 1.001,
        },
        "initialize": {"vectors": "${paths.vectors}"},
    }


def _shared_upstreams(
    pipeline: list[str], lang: str, optimize: str, gpu: bool, separate: bool
) -> list[str]:
    """The shared components to add in front of `pipeline`.

    Plugins name them (the kernel knows no component names); one is added
    when two or more components of the pipeline can listen to it. With
    `separate`, none is added, and listing one is a contradiction.
    """
    from ..errors import UsageError
    from ..plugins._hooks import plugin_manager

    listeners: dict[str, list[str]] = {}
    results = plugin_manager().hook.init_config_listeners(
        pipeline=list(pipeline), lang=lang, optimize=optimize, gpu=gpu
    )
    for result in results:
        for upstream, names in (result or {}).items():
            found = listeners.setdefault(upstream, [])
            found += [n for n in names if n in pipeline and n != upstream and n not in found]
    if separate:
        listed = [up for up in listeners if up in pipeline]
        if listed:
            raise UsageError(
                f"--separate-tok2vec gives every component its own embedding, but --pipeline lists "
                f"the shared component '{listed[0]}'. Remove '{listed[0]}' from --pipeline, or drop "
                "--separate-tok2vec to share it."
            )
        return []
    return [up for up, names in listeners.items() if up not in pipeline and len(names) >= 2]


def _nest(sections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for dotted, keys in sections.items():
        node = root
        for part in dotted.split("."):
            node = node.setdefault(part, {})
        node.update(keys)
    return root


def init_config(
    *, lang: str = "en", pipeline: Sequence[str] = ("tagger",), optimize: str = "efficiency",
    gpu: bool = False, separate_tok2vec: bool = False, pretraining: bool = False,
) -> Any:
    """Build a filled starter config.

    lang (str): language code, e.g. "en".
    pipeline (Sequence[str]): component factory names, in order.
    optimize (str): "efficiency" or "accuracy".
    gpu (bool): choose settings for training on a GPU.
    separate_tok2vec (bool): give every component its own embedding instead
        of adding a shared one (a ``tok2vec``) when two or more components
        could listen to it.
    pretraining (bool): add a ``[pretraining]`` section (and
        ``[corpora.pretrain]``, ``[paths] raw_text``) for ``plait pretrain``.
    RETURNS (Config): the complete config.
    """
    from confection import Config

    from ..errors import RegistryError, UsageError, did_you_mean
    from ..plugins._hooks import plugin_manager
    from ..plugins._registry import registry

    if optimize not in OPTIMIZE_CHOICES:
        raise UsageError(f"--optimize must be one of {', '.join(OPTIMIZE_CHOICES)}, not '{optimize}'.")
    pipeline = [p.strip() for p in pipeline if p.strip()]
    if len(set(pipeline)) != len(pipeline):
        raise UsageError(f"--pipeline names a component twice: {', '.join(pipeline)}.")
    if lang not in registry.languages:
        raise UsageError(
            f"--lang '{lang}': no such language.{did_you_mean(lang, registry.languages.names())}"
            f" Installed: {', '.join(registry.languages.names())}."
        )
    pipeline = _shared_upstreams(pipeline, lang, optimize, gpu, separate_tok2vec) + pipeline
    sections = _base_sections(lang, pipeline, optimize, gpu)
    contributed: dict[str, dict[str, Any]] = {}
    claimed: set[str] = set()  # components whose blocks a plugin already gave
    results = plugin_manager().hook.init_config_components(
        pipeline=list(pipeline), lang=lang, optimize=optimize, gpu=gpu
    )
    for result in results:  # the first plugin to provide a component wins
        offered: set[str] = set()
        for dotted, keys in (result or {}).items():
            component = dotted.split(".")[1] if dotted.startswith("components.") else None
            if component is not None:
                if component in claimed:
                    continue
                offered.add(component)
            contributed.setdefault(dotted, dict(keys))
        claimed |= offered
    for name in pipeline:
        block = contributed.setdefault(f"components.{name}", {"factory": name})
        factory = block.get("factory", name)
        try:
            registry.factories.get(factory)
        except RegistryError as err:
            raise UsageError(f"--pipeline: no installed plugin provides component '{name}': {err}") from err
    sections.update(contributed)
    config = Config(_nest(sections))
    filled = fill_config_object(config)
    if pretraining:
        from ..training.pretrain_config import pretraining_section

        pretraining_section(filled)
    return filled


def fill_config_object(config: Any) -> Any:
    """Fill every default by building the pipeline from the config."""
    from ..errors import ConfigError, RegistryError
    from ..plugins._registry import registry

    lang = config.get("nlp", {}).get("lang")
    if not lang:
        raise ConfigError("[nlp] lang: missing. Set the language code, e.g. lang = \"en\".")
    try:
        lang_cls = registry.languages.get(lang)
    except RegistryError as err:
        raise ConfigError(f"[nlp] lang: {err}") from err
    nlp = lang_cls.from_config(config, auto_fill=True, validate=True)
    return nlp.config


@click.command("config", short_help="Generate a starter config for a pipeline.")
@click.argument("output", type=str)
@click.option("--lang", "-l", default="en", show_default=True, help="Language code, e.g. en.")
@click.option("--pipeline", "-p", default="tagger", show_default=True,
              help="Comma-separated component names, e.g. tok2vec,tagger,parser.")
@click.option("--optimize", "-o", type=click.Choice(OPTIMIZE_CHOICES), default="efficiency",
              show_default=True, help="Smaller and faster, or larger and more accurate.")
@click.option("--gpu", "-G", is_flag=True, default=False, help="Settings for training on a GPU.")
@click.option("--separate-tok2vec", is_flag=True, default=False,
              help="Give every component its own embedding instead of one shared tok2vec "
                   "(added by default when two or more components can listen to it).")
@click.option("--pretraining", "-pt", is_flag=True, default=False,
              help="Add a [pretraining] section for `plait pretrain`.")
@code_option
@verbose_option
def init_config_cli(output: str, lang: str, pipeline: str, optimize: str, gpu: bool,
                    separate_tok2vec: bool, pretraining: bool, code_paths: tuple[str, ...], verbose: bool) -> None:
    """Generate a complete starter config.cfg at OUTPUT ('-' for stdout)."""
    from ..config import import_code

    import_code(code_paths)
    config = init_config(lang=lang, pipeline=pipeline.split(","), optimize=optimize, gpu=gpu,
                         separate_tok2vec=separate_tok2vec, pretraining=pretraining)
    write_text_output(output, config.to_str())
    if output != "-":
        click.echo(f"Wrote config to {output}. Next: plait train {output} --output ./output "
                   "--paths.train ./train.plait --paths.dev ./dev.plait", err=True)


__all__ = ["init_config", "init_config_cli", "fill_config_object", "Path"]
