"""`plait debug diff-config`: what a config changes in the default config.

The default is the config `plait init config` writes for the same
``[nlp] lang`` and component factories (with ``--optimize``, ``--gpu`` and
``--pretraining``),
with the default renamed to the config's component names. Both configs are
filled first, so a key the user left out because its default is fine is no
difference; what remains is listed per section as ``+`` (only in the user's
config), ``-`` (only in the default) and ``-``/``+`` pairs (changed values).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import click

from ._options import CONFIG_COMMAND_SETTINGS, code_option, config_overrides, verbose_option

OPTIMIZE_CHOICES = ("efficiency", "accuracy")
_ABSENT = object()


@dataclass(frozen=True)
class ConfigChange:
    """One key that differs: ``old`` is the default's value, ``new`` the user's.

    section (str): dotted section name, e.g. "training.optimizer".
    key (str): the key inside the section.
    old (Any): the default's value, or None when only the user's config has it.
    new (Any): the user's value, or None when only the default has it.
    kind (str): "added", "removed" or "changed".
    """

    section: str
    key: str
    old: Any
    new: Any
    kind: str


@dataclass
class ConfigDiff:
    """The differences between a config and its default.

    command (str): the `plait init config` command that writes the default.
    changes (list[ConfigChange]): every differing key, in config order.
    """

    command: str
    changes: list[ConfigChange]

    def count(self, kind: str) -> int:
        """The number of changes of one kind ("added", "removed", "changed")."""
        return sum(1 for change in self.changes if change.kind == kind)


def _pipeline_of(config: Any, source: str) -> tuple[str, list[str], dict[str, str]]:
    """The config's language, component names and their factories (sourced
    components have none and are compared against nothing)."""
    from ..errors import ConfigError

    nlp = config.get("nlp")
    if not isinstance(nlp, dict):
        raise ConfigError(
            f"{source}: no [nlp] section, so there is no pipeline to compare with. Add [nlp] with "
            "lang and pipeline, e.g. lang = \"en\" and pipeline = [\"tagger\"], or generate a config "
            "with `plait init config`."
        )
    lang = nlp.get("lang")
    if not isinstance(lang, str) or not lang:
        raise ConfigError(f"{source}: [nlp] lang: missing. Set the language code, e.g. lang = \"en\".")
    pipeline = nlp.get("pipeline", _ABSENT)
    if pipeline is _ABSENT:
        raise ConfigError(
            f"{source}: [nlp] pipeline: missing, so there is no default config to compare with. "
            "List the components, e.g. pipeline = [\"tok2vec\", \"tagger\"]."
        )
    if not isinstance(pipeline, list) or not all(isinstance(name, str) for name in pipeline):
        raise ConfigError(
            f"{source}: [nlp] pipeline: expected a list of component names, e.g. "
            f"[\"tok2vec\", \"tagger\"], not {pipeline!r}."
        )
    components = config.get("components") or {}
    factories: dict[str, str] = {}
    for name in pipeline:
        block = components.get(name)
        if not isinstance(block, dict):
            raise ConfigError(
                f"{source}: [nlp] pipeline names '{name}' but there is no [components.{name}] "
                f"section. Add it (factory = \"{name}\") or remove '{name}' from the pipeline."
            )
        if "factory" in block:
            factories[name] = str(block["factory"])
    return lang, list(pipeline), factories


def default_config_for(config: Any, *, optimize: str = "efficiency", gpu: bool = False,
                       pretraining: bool = False, source: str = "<config>") -> tuple[Any, str]:
    """The default config for ``config``'s pipeline, and the command writing it.

    config (Config): the user's config (not interpolated).
    optimize (str): "efficiency" or "accuracy", as `plait init config --optimize`.
    gpu (bool): as `plait init config --gpu`.
    pretraining (bool): as `plait init config --pretraining`.
    source (str): the config's file name, for messages.
    RETURNS (tuple[Config, str]): the filled default config, renamed to the
        config's component names, and the `plait init config` command line.
    """
    from confection import Config

    from ..errors import ConfigError, PlaitError
    from .init_config import init_config

    lang, pipeline, factories = _pipeline_of(config, source)
    wanted = [factories[name] for name in pipeline if name in factories]
    # init config names a component after its factory; of two components of
    # one factory only the first is compared (the second shows as added).
    wanted = list(dict.fromkeys(wanted))
    user_names = {factory: name for name, factory in reversed(list(factories.items()))}
    try:
        default = init_config(lang=lang, pipeline=wanted, optimize=optimize, gpu=gpu,
                              pretraining=pretraining)
        if [n for n in default["nlp"]["pipeline"] if n not in wanted]:
            # A shared tok2vec init config would add that the user does not have.
            default = init_config(lang=lang, pipeline=wanted, optimize=optimize, gpu=gpu,
                                  separate_tok2vec=True, pretraining=pretraining)
    except PlaitError as err:
        raise ConfigError(f"{source}: cannot build the default config for [nlp] pipeline: {err}") from err
    listed = ",".join(wanted) or '""'
    command = (f"plait init config - --lang {lang} --pipeline {listed} --optimize {optimize}"
               + (" --gpu" if gpu else "") + (" --pretraining" if pretraining else ""))
    renamed = {f: user_names.get(f, f) for f in default["nlp"]["pipeline"]}
    if all(old == new for old, new in renamed.items()):
        return default, command
    text = default.to_str()
    for factory, name in renamed.items():
        if factory != name:
            # Section headers and ${components.x.…} variables alike.
            text = text.replace(f"[components.{factory}]", f"[components.{name}]")
            text = text.replace(f"components.{factory}.", f"components.{name}.")
    data = Config().from_str(text, interpolate=False)
    data["nlp"]["pipeline"] = [renamed[n] for n in default["nlp"]["pipeline"]]
    return data, command


def _flatten(node: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    """(section, key, value) of every setting; empty dicts carry none."""
    subsections = []
    for key, value in node.items():
        if isinstance(value, dict):
            if value:
                subsections.append((key, value))
            continue
        yield prefix, key, value
    for key, value in subsections:
        yield from _flatten(value, f"{prefix}.{key}" if prefix else key)


def diff_configs(user: Any, default: Any, *, pretraining: bool = False, command: str = "") -> ConfigDiff:
    """The keys whose values differ between ``default`` and ``user``.

    user (Config): the user's config (filled).
    default (Config): the default config.
    pretraining (bool): compare [pretraining] too (left out otherwise).
    command (str): the command that writes the default, for the report.
    RETURNS (ConfigDiff): the differences in the user's config order.
    """
    def table(config: Any) -> dict[tuple[str, str], Any]:
        return {(section, key): value for section, key, value in _flatten(dict(config))
                if pretraining or not (section == "pretraining" or section.startswith("pretraining."))}

    from ..config import interpolate

    mine, theirs = table(user), table(default)
    # Values are compared after ${…} variables are resolved, so `width = 96`
    # and `width = ${…encode.width}` resolving to 96 are no difference.
    mine_values = table(interpolate(user, source="config"))
    theirs_values = table(interpolate(default, source="default config"))
    order = list(mine) + [place for place in theirs if place not in mine]
    # Group by section (user's section order first), keys in order within it.
    sections: dict[str, list[tuple[str, str]]] = {}
    for place in order:
        sections.setdefault(place[0], []).append(place)
    changes: list[ConfigChange] = []
    for places in sections.values():
        for section, key in places:
            new, old = mine.get((section, key), _ABSENT), theirs.get((section, key), _ABSENT)
            if old is _ABSENT:
                changes.append(ConfigChange(section, key, None, new, "added"))
            elif new is _ABSENT:
                changes.append(ConfigChange(section, key, old, None, "removed"))
            elif _render(mine_values.get((section, key))) != _render(theirs_values.get((section, key))):
                changes.append(ConfigChange(section, key, old, new, "changed"))
    return ConfigDiff(command=command, changes=changes)


def _render(value: Any) -> str:
    """A value as the config file writes it."""
    if isinstance(value, str) and "${" in value:
        return value
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def format_diff(diff: ConfigDiff, *, markdown: bool = False, source: str = "config.cfg") -> str:
    """The differences as text: one block per section, diff-style lines.

    diff (ConfigDiff): the differences.
    markdown (bool): a Markdown heading and a fenced ``diff`` block.
    source (str): the user's config file name.
    RETURNS (str): the report.
    """
    summary = (f"{diff.count('changed')} changed, {diff.count('added')} added, "
               f"{diff.count('removed')} removed")
    intro = f"{source} compared with the default config (`{diff.command}`): {summary}."
    if not diff.changes:
        intro = f"{source} has no differences from the default config (`{diff.command}`)."
    lines: list[str] = []
    section = None
    for change in diff.changes:
        if change.section != section:
            if section is not None:
                lines.append("")
            section = change.section
            lines.append(f" [{section}]")
        if change.kind != "added":
            lines.append(f"-{change.key} = {_render(change.old)}")
        if change.kind != "removed":
            lines.append(f"+{change.key} = {_render(change.new)}")
    if markdown:
        body = "\n".join(["```diff", *lines, "```"]) if lines else ""
        return "\n\n".join(part for part in ["## Config diff", intro, body] if part) + "\n"
    return "\n".join([intro, "", *lines]).rstrip() + "\n"


def debug_diff_config(config_path: str, *, optimize: str = "efficiency", gpu: bool = False,
                      pretraining: bool = False, overrides: dict[str, Any] | None = None,
                      code_paths: tuple[str, ...] | list[str] = ()) -> ConfigDiff:
    """Compare the config at ``config_path`` with its default config.

    config_path (str): the config ("-" for stdin).
    optimize (str): "efficiency" or "accuracy".
    gpu (bool): compare with the GPU default.
    pretraining (bool): compare [pretraining] with the default of
        `plait init config --pretraining` (left out otherwise).
    overrides (dict): ``{"section.key": value}`` overrides.
    code_paths (list[str]): Python files to import first.
    RETURNS (ConfigDiff): the differences.
    """
    from ..config import import_code, load_config
    from ..errors import ConfigError, UsageError
    from .init_config import fill_config_object

    if optimize not in OPTIMIZE_CHOICES:
        raise UsageError(f"--optimize must be one of {', '.join(OPTIMIZE_CHOICES)}, not '{optimize}'.")
    import_code(list(code_paths))
    config = load_config(config_path, overrides or {})
    source = getattr(config, "source", str(config_path))
    default, command = default_config_for(config, optimize=optimize, gpu=gpu, pretraining=pretraining,
                                          source=source)
    kept_pretraining = config.get("pretraining")
    try:
        filled = fill_config_object(config)
    except ConfigError as err:
        raise ConfigError(f"{err} (`plait debug config {config_path}` checks the whole config.)") from err
    if kept_pretraining is not None:
        filled["pretraining"] = kept_pretraining
    if pretraining and kept_pretraining:
        from ..training.pretrain_config import fill_pretraining

        fill_pretraining(filled)  # the user's settings over plait pretrain's defaults
    return diff_configs(filled, default, pretraining=pretraining, command=command)


@click.command("diff-config", context_settings=CONFIG_COMMAND_SETTINGS,
               short_help="Show how a config differs from the default config for its pipeline.")
@click.argument("config_path", type=str)
@click.option("--optimize", "-o", type=click.Choice(OPTIMIZE_CHOICES), default="efficiency",
              show_default=True, help="Compare with the default for efficiency or accuracy.")
@click.option("--gpu", "-G", is_flag=True, default=False, help="Compare with the default for a GPU.")
@click.option("--pretraining", "-pt", is_flag=True, default=False,
              help="Compare [pretraining] with the default `plait init config --pretraining` writes "
                   "(left out otherwise).")
@click.option("--markdown", "-md", is_flag=True, default=False,
              help="Print Markdown: a heading and a fenced diff block, e.g. for an issue.")
@code_option
@verbose_option
@click.pass_context
def debug_diff_config_cli(ctx: click.Context, config_path: str, optimize: str, gpu: bool,
                          pretraining: bool, markdown: bool, code_paths: tuple[str, ...],
                          verbose: bool) -> None:
    """Show how CONFIG_PATH ('-' for stdin) differs from the config `plait init config`
    writes for the same language and components. Both are filled with every default
    first: `-` lines are the default, `+` lines the config's value."""
    diff = debug_diff_config(config_path, optimize=optimize, gpu=gpu, pretraining=pretraining,
                             overrides=config_overrides(ctx), code_paths=code_paths)
    click.echo(format_diff(diff, markdown=markdown, source=config_path), nl=False)
