"""Building a Language from a config: defaults, callbacks, components, sources.

``Language.from_config`` lives here so language.py stays about the pipeline
container. The flow is spaCy's: fill the config with the defaults (without
resolving [components], whose factories need the nlp object), resolve [nlp]
(tokenizer and the three lifecycle callbacks), create the nlp, then add each
component of ``[nlp] pipeline`` from its factory or its ``source`` pipeline.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from confection import Config

from .config import fill, resolve
from .errors import ConfigError, UsageError, did_you_mean

if TYPE_CHECKING:
    from .language import Language

DEFAULT_CONFIG_PATH = Path(__file__).parent / "default_config.cfg"
SECTION_ORDER = ["paths", "system", "nlp", "components", "corpora", "training", "pretraining", "initialize"]

_default_config: Config | None = None


def default_config() -> Config:
    """RETURNS (Config): a copy of default_config.cfg (not interpolated)."""
    global _default_config
    if _default_config is None:
        _default_config = Config(section_order=SECTION_ORDER).from_disk(DEFAULT_CONFIG_PATH, interpolate=False)
    return copy_config(_default_config)


def copy_config(config: Any) -> Config:
    """A deep copy of a config (a plain dict becomes a Config)."""
    is_interpolated = getattr(config, "is_interpolated", True)
    out = Config(copy.deepcopy(dict(config)), section_order=SECTION_ORDER)
    out.is_interpolated = is_interpolated
    return out


def dot_to_nested(overrides: dict[str, Any]) -> dict[str, Any]:
    """``{"nlp.batch_size": 8}`` -> ``{"nlp": {"batch_size": 8}}``; nested dicts pass through."""
    nested: dict[str, Any] = {}
    for key, value in overrides.items():
        parts = key.split(".") if isinstance(key, str) else [key]
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, dict) and isinstance(node.get(parts[-1]), dict):
            node[parts[-1]].update(value)
        else:
            node[parts[-1]] = value
    return nested


def dot_to_object(config: dict[str, Any], path: str) -> Any:
    """The value at dotted ``path`` in a nested dict; KeyError if absent."""
    node: Any = config
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    return node


def set_dot_to_object(config: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at dotted ``path`` (which must exist)."""
    parts = path.split(".")
    node = dot_to_object(config, ".".join(parts[:-1])) if len(parts) > 1 else config
    node[parts[-1]] = value


def build_from_config(
    cls: type[Language],
    config: dict[str, Any] | Config,
    *,
    vocab: Any = True,
    disable: Any = (),
    enable: Any = (),
    exclude: Any = (),
    meta: dict[str, Any] | None = None,
    auto_fill: bool = True,
    validate: bool = True,
) -> Language:
    """The body of ``Language.from_config`` (see there)."""
    if not isinstance(config, dict):
        raise UsageError(f"Language.from_config: config must be a Config or dict, not {type(config).__name__}")
    disable, enable, exclude = _names(disable), _names(enable), _names(exclude)
    config = copy_config(config)
    if auto_fill:
        config = default_config().merge(config)
    if "nlp" not in config:
        raise ConfigError("the config has no [nlp] section. Add one with at least `lang = \"en\"`.")
    config_lang = config["nlp"].get("lang")
    if config_lang is not None and cls.lang is not None and config_lang != cls.lang:
        raise ConfigError(
            f"[nlp] lang: the config is for '{config_lang}' but it is being loaded into "
            f"{cls.__name__} ('{cls.lang}'). Use plait.blank('{config_lang}') or fix [nlp] lang."
        )
    if config_lang is None:
        config["nlp"]["lang"] = cls.lang
    # [components] is taken out while filling: resolving a factory needs the
    # nlp object and name, which only exist once the nlp is created.
    orig_components = config.get("components", {})
    orig_pretraining = config.pop("pretraining", None)
    config["components"] = {}
    if auto_fill:
        filled = fill(config, validate=validate)
    else:
        filled = config
    filled = copy_config(filled)
    filled["components"] = orig_components
    if orig_pretraining is not None:
        filled["pretraining"] = orig_pretraining
    interpolated = filled.interpolate() if not filled.is_interpolated else filled
    nlp_section = dict(interpolated["nlp"])
    # Only the registered functions are resolved; plain values are read as is.
    to_resolve = {k: nlp_section.get(k) for k in ("tokenizer", "before_creation", "after_creation",
                                                  "after_pipeline_creation")}
    resolved = resolve({"nlp": to_resolve}, validate=validate)["nlp"]
    lang_cls: type[Language] = cls
    before_creation = resolved.get("before_creation")
    if before_creation is not None:
        lang_cls = before_creation(cls)
        if not isinstance(lang_cls, type) or not issubclass(lang_cls, cls):
            raise ConfigError(
                f"[nlp.before_creation]: the callback must return the Language class it receives "
                f"(or a subclass), got {type(lang_cls).__name__}"
            )
    nlp = lang_cls(vocab=vocab, create_tokenizer=resolved.get("tokenizer"), meta=meta,
                   batch_size=nlp_section.get("batch_size", 1000))
    after_creation = resolved.get("after_creation")
    if after_creation is not None:
        nlp = after_creation(nlp)
        if not isinstance(nlp, lang_cls):
            raise ConfigError(
                f"[nlp.after_creation]: the callback must return the nlp object it receives, "
                f"got {type(nlp).__name__}"
            )
    _add_components(nlp, config, filled, interpolated, exclude=exclude, validate=validate)
    pipeline_names = list(config["nlp"].get("pipeline", []))
    disabled = [*config["nlp"].get("disabled", []), *disable]
    if enable:
        disabled += [n for n in pipeline_names if n not in enable]
    for name in [*disable, *enable]:
        if name not in pipeline_names:
            raise UsageError(f"cannot disable or enable '{name}': not in the pipeline ({', '.join(pipeline_names)})")
    nlp._disabled = {n for n in disabled if n not in exclude}
    nlp._config = filled
    after_pipeline_creation = resolved.get("after_pipeline_creation")
    if after_pipeline_creation is not None:
        nlp = after_pipeline_creation(nlp)
        if not isinstance(nlp, lang_cls):
            raise ConfigError(
                f"[nlp.after_pipeline_creation]: the callback must return the nlp object it "
                f"receives, got {type(nlp).__name__}"
            )
    nlp._link_components()
    return nlp


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return list(value or [])


def _add_components(
    nlp: Language, config: Config, filled: Config, interpolated: Config, *, exclude: list[str], validate: bool
) -> None:
    pipeline = interpolated.get("components", {})
    source_nlps: dict[str, Language] = {}
    for pipe_name in config["nlp"].get("pipeline", []):
        if pipe_name not in pipeline:
            raise ConfigError(
                f"[nlp] pipeline: component '{pipe_name}' has no [components.{pipe_name}] block."
                f"{did_you_mean(pipe_name, pipeline)} Defined components: {', '.join(pipeline) or 'none'}."
            )
        if pipe_name in exclude:
            continue
        pipe_cfg = copy.deepcopy(dict(pipeline[pipe_name]))
        if "factory" in pipe_cfg:
            factory = pipe_cfg.pop("factory")
            nlp.add_pipe(factory, name=pipe_name, config=pipe_cfg, validate=validate,
                         raw_config=filled["components"][pipe_name])
        elif "source" in pipe_cfg:
            source = pipe_cfg["source"]
            if isinstance(source, str) or isinstance(source, Path):
                key = str(source)
                if key not in source_nlps:
                    from ._language_io import load_pipeline

                    source_nlps[key] = load_pipeline(source, vocab=nlp.vocab)
                source_nlp = source_nlps[key]
            else:
                source_nlp = source
            source_name = pipe_cfg.get("component", pipe_name)
            listeners = pipe_cfg.get("replace_listeners")
            if listeners:
                for name, proc in source_nlp.pipeline:
                    if source_name in getattr(proc, "listener_map", {}):
                        source_nlp.replace_listeners(name, source_name, listeners)
            nlp.add_pipe(source_name, source=source_nlp, name=pipe_name)
        else:
            raise ConfigError(
                f"[components.{pipe_name}]: the block needs either `factory = \"...\"` (create the "
                f"component) or `source = \"path/to/pipeline\"` (copy it from a trained pipeline)."
            )
