"""Creating pipelines: ``Language.from_config``, ``plait.load`` and the
Language class of a language code.

The from-config flow is spaCy's: fill the config with the defaults (without
resolving [components], whose factories need the nlp object), resolve [nlp]
(tokenizer and the three lifecycle callbacks), create the nlp, then add each
component of ``[nlp] pipeline`` from its factory or its ``source`` pipeline.
Language classes are found through the ``languages`` registry, so this
module needs the ``Language`` class only as a type.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from confection import Config

from .. import fs
from ..config import fill, load_config, resolve
from ..config._arguments import raise_problems
from ..config._validation import pipeline_problems
from ..errors import ConfigError, RegistryError, SerializationError, UsageError, did_you_mean
from ..plugins._registry import registry
from ._config import copy_config, default_config, dot_to_nested
from ._io import bundled_code_files, import_bundled_code, read_meta
from ._load_policy import check_loaded_config, check_no_source
from ._names import check_component_name

if TYPE_CHECKING:
    from ._language import Language


def get_lang_class(lang: str) -> type[Language]:
    """RETURNS (type[Language]): the Language subclass registered for ``lang``."""
    if not isinstance(lang, str) or not lang:
        raise UsageError(f"a language code must be a non-empty string like 'en', not {lang!r}")
    try:
        lang_cls: type[Language] = registry.languages.get(lang)
    except ConfigError as err:
        raise UsageError(f"no language '{lang}': {err}") from None
    return lang_cls


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
    # Component names become folders and files: checked before anything is built.
    check_config_names(config)
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
    elif cls.lang is None:
        # Language.from_config(cfg) on the base class: build the config's
        # language, as plait.load does. The base class dropped the lang, and
        # the saved pipeline could not be loaded ("[nlp] lang: missing").
        cls = get_lang_class(config_lang)
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
    # A name listed twice is a config problem, not an add_pipe one.
    raise_problems(pipeline_problems(config))
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
                    source_nlps[key] = load_pipeline(source, vocab=nlp.vocab)
                source_nlp = source_nlps[key]
            else:
                source_nlp = source
            source_name = pipe_cfg.get("component", pipe_name)
            listeners = pipe_cfg.get("replace_listeners")
            if listeners:
                # A component sourced earlier from the same pipeline (its
                # tok2vec) was relinked into this pipeline, which emptied its
                # listener_map: relink the source first, or the listeners
                # would be silently left in place.
                source_nlp._link_components()
                for name, proc in source_nlp.pipeline:
                    if source_name in getattr(proc, "listener_map", {}):
                        source_nlp.replace_listeners(name, source_name, listeners)
            nlp.add_pipe(source_name, source=source_nlp, name=pipe_name)
        else:
            raise ConfigError(
                f"[components.{pipe_name}]: the block needs either `factory = \"...\"` (create the "
                f"component) or `source = \"path/to/pipeline\"` (copy it from a trained pipeline)."
            )


def check_config_names(config: dict[str, Any], source: str = "", error: type[Exception] = ConfigError) -> None:
    """Check every component name of a config: ``[nlp] pipeline`` and
    ``disabled`` entries and the ``[components]`` block names.

    config (dict): the config.
    source (str): the config file, named in the error.
    error (type[Exception]): the plait.errors class to raise.
    """
    prefix = f"{source} " if source else ""
    nlp_section = config.get("nlp", {}) or {}
    for key in ("pipeline", "disabled"):
        names = nlp_section.get(key, []) or []
        if not isinstance(names, (list, tuple)):
            raise error(f"{prefix}[nlp] {key}: expected a list of component names, got {names!r}")
        for name in names:
            check_component_name(name, f"{prefix}[nlp] {key}", error)
    components = config.get("components", {}) or {}
    if isinstance(components, dict):
        for name in components:
            check_component_name(name, f"{prefix}[components.{name}]", error)


def load_pipeline(
    path: str | Path,
    *,
    vocab: Any = True,
    exclude: Iterable[str] = (),
    disable: Iterable[str] = (),
    enable: Iterable[str] = (),
    config: dict[str, Any] | Config | None = None,
    trust_code: bool = False,
) -> Language:
    """The body of ``plait.load`` (see there)."""
    exclude = [exclude] if isinstance(exclude, str) else list(exclude)
    disable = [disable] if isinstance(disable, str) else list(disable)
    enable = [enable] if isinstance(enable, str) else list(enable)
    name, path = path, Path(path)
    if not path.exists() and fs.journal_path(path).is_file():
        fs.recover_directory(path)  # a save killed between its two renames: finish it
    if not path.exists():
        # Not a folder: a pipeline installed as a package (plait package)?
        from ._installed import installed_pipelines, load_installed, not_found_message

        if isinstance(name, str) and name in installed_pipelines():
            return load_installed(name, vocab=vocab, exclude=exclude, disable=disable, enable=enable,
                                  config=config)
        raise UsageError(not_found_message(str(path)))
    if not path.is_dir() or not (path / "config.cfg").exists():
        raise SerializationError(f"{path}: not a plait pipeline (no config.cfg in a folder)")
    meta = read_meta(path) if (path / "meta.json").exists() else {}
    bundled = bundled_code_files(path, meta)
    if trust_code:
        import_bundled_code(path, meta)
    try:
        return _build_loaded(path, meta, vocab=vocab, exclude=exclude, disable=disable,
                             enable=enable, config=config, trust_code=trust_code)
    except RegistryError as err:
        if not bundled or trust_code:
            raise
        names = ", ".join(str(f.relative_to(path.resolve())) for f in bundled)
        raise RegistryError(
            f"{err} The pipeline '{path}' bundles code ({names}) that probably registers it. "
            "plait.load never runs code by itself: if you trust this pipeline, load it with "
            "plait.load(path, trust_code=True) (CLI: --trust-code), or import the functions "
            "yourself (--code)."
        ) from err


def _build_loaded(path: Path, meta: dict[str, Any], *, vocab: Any, exclude: list[str],
                  disable: list[str], enable: list[str], config: Any, trust_code: bool = False) -> Language:
    cfg = load_config(path / "config.cfg", env=False)
    # The saved config's names become folders read below: check them
    # (naming the file) before anything is created.
    check_config_names(cfg, str(path / "config.cfg"), SerializationError)
    check_no_source(cfg, path)
    if config:
        cfg = cfg.merge(dot_to_nested(dict(config)))
    # Nothing is resolved before the config passes the load policy: what a
    # saved config may call (see _load_policy.py). A trusted pipeline (its
    # code is imported anyway) may call any registered function.
    if not trust_code:
        try:
            interpolated = cfg.interpolate()
        except Exception as err:  # confection raises several types for a bad variable
            raise SerializationError(f"{path / 'config.cfg'}: cannot interpolate the config ({err})") from err
        check_loaded_config(interpolated, path / "config.cfg")
    lang = cfg.get("nlp", {}).get("lang")
    if not lang:
        raise ConfigError(f"{path / 'config.cfg'} [nlp] lang: missing; the pipeline's language is unknown")
    lang_cls = get_lang_class(lang)
    nlp = lang_cls.from_config(cfg, vocab=vocab, disable=disable, enable=enable, exclude=exclude,
                               meta=meta, auto_fill=False)
    # The config (with overrides) is already in place: do not reread it.
    return nlp.from_disk(path, exclude=[*exclude, "config.cfg"])
