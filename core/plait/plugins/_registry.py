"""plait's function registries: thinc's registry plus the ones a pipeline needs.

Each registry is a catalogue registry whose entry-point group is
``plait_<name>`` (``plait_factories``, ``plait_architectures``…). Entry points
are loaded one name at a time, so a config that names one plugin function
imports only that plugin; a broken plugin raises a PluginError naming it.
A missing name raises a RegistryError with the closest registered names.
"""

from __future__ import annotations

from typing import Any

import catalogue
from thinc.api import registry as thinc_registry

from ..errors import PluginError, RegistryError, did_you_mean
from . import _entry_points

# When a name is missing from a registry, the in-repo distribution that
# provides it (only names that distribution really registers; parser and ner
# are being added to plait-pipes). The distributions are installed from the
# plait repository, not from a package index.
PROVIDERS: dict[str, dict[str, str]] = {
    "factories": {
        name: "plait-pipes"
        for name in ("tok2vec", "tagger", "morphologizer", "senter", "sentencizer", "parser", "ner", "beam_ner",
                     "textcat", "textcat_multilabel", "entity_ruler", "lemmatizer",
                     "trainable_lemmatizer")
    },
    "augmenters": {
        name: "plait-augmenters"
        for name in ("plait.orth_variants.v1", "plait.lower_case.v1", "plait.combined_augmenter.v1",
                     "plait.whitespace_variants.v1")
    },
    "readers": {"plait.JsonlCorpus.v1": "plait-readers", "plait.JsonlExamples.v1": "plait-readers"},
    "converters": {name: "plait-readers" for name in ("conllu", "iob", "ner", "jsonl", "json")},
    "loggers": {"plait.WandbLogger.v1": "plait-loggers-wandb"},
}
# Where each of those distributions lives in the plait repository.
REPO_FOLDERS = {"plait-pipes": "plugins/pipes", "plait-augmenters": "plugins/augmenters",
                "plait-readers": "plugins/readers", "plait-loggers-wandb": "plugins/loggers-wandb"}


def provider_hint(registry_name: str, name: str) -> str:
    """Say which distribution provides ``name`` of registry ``registry_name``
    and whether it is installed.

    RETURNS (str): the hint, starting with a space, or "" for an unknown name.
    """
    provider = PROVIDERS.get(registry_name, {}).get(name)
    if provider is None:
        return ""
    try:
        version = _entry_points.importlib_metadata.version(provider)
    except _entry_points.importlib_metadata.PackageNotFoundError:
        return (
            f" It is provided by the {provider} distribution ({REPO_FOLDERS[provider]} in the plait "
            f"repository), which is not installed: install it into this environment."
        )
    return f" It belongs to {provider}, but the installed {provider} {version} does not provide it."


def _loaded_entry_points(group: str) -> dict[str, Any]:
    """Every loadable entry point of `group`, loaded (failures are recorded
    in ``_entry_points.broken()``, not raised)."""
    result = {}
    for dist_name, ep in _entry_points.entry_points(group):
        try:
            result[ep.name] = _entry_points.load(dist_name, ep)
        except PluginError:
            continue
    return result


def _names(namespace: tuple[str, ...], group: str) -> list[str]:
    """Names registered in code under `namespace` plus `group`'s entry points (none imported)."""
    local = [keys[-1] for keys in catalogue.REGISTRY if tuple(keys[:-1]) == tuple(namespace)]
    return sorted(set(local) | {ep.name for _, ep in _entry_points.entry_points(group)})


class Registry(catalogue.Registry):
    """A catalogue registry with lazy, fault-reporting entry points."""

    def __init__(self, name: str) -> None:
        super().__init__(("plait", name), entry_points=True)
        self.name = name

    def _get_entry_points(self) -> list[Any]:
        return [ep for _, ep in _entry_points.entry_points(self.entry_point_namespace)]

    def get_entry_point(self, name: str, default: Any = None) -> Any:
        for dist_name, ep in _entry_points.entry_points(self.entry_point_namespace):
            if ep.name == name:
                func = _entry_points.load(dist_name, ep)
                # Cache in memory so later lookups skip importlib.
                catalogue._set(list(self.namespace) + [name], func)
                return func
        return default

    def get_entry_points(self) -> dict[str, Any]:
        return _loaded_entry_points(self.entry_point_namespace)

    def names(self) -> list[str]:
        """All registered names, including entry points, without importing them."""
        return _names(self.namespace, self.entry_point_namespace)

    def __contains__(self, name: str) -> bool:
        if catalogue.check_exists(*self.namespace, name):
            return True
        return any(ep.name == name for _, ep in _entry_points.entry_points(self.entry_point_namespace))

    def get(self, name: str) -> Any:
        if catalogue.check_exists(*self.namespace, name):
            return catalogue._get(list(self.namespace) + [name])
        func = self.get_entry_point(name)
        if func is not None:
            return func
        install = provider_hint(self.name, name)
        raise RegistryError(
            f"no function '{name}' in registry '{self.name}'."
            f"{did_you_mean(name, self.names())}{install}"
        )


class ThincRegistry(catalogue.Registry):
    """One of thinc's own registries (optimizers, schedules, layers…) that also
    reads the ``plait_<name>`` entry-point group.

    The namespace stays thinc's (``("thinc", name)``), so a function
    registered here or through ``thinc.api.registry`` is one and the same
    entry; only the lookup of a missing name also tries plait plugins'
    ``plait_<name>`` entry points (one name at a time, failures reported as
    a PluginError like every plait registry) before thinc's
    ``thinc_<name>`` group.
    """

    def __init__(self, name: str) -> None:
        super().__init__(("thinc", name), entry_points=True)
        self.name = name
        self.plait_group = f"plait_{name}"

    def get_entry_point(self, name: str, default: Any = None) -> Any:
        for dist_name, ep in _entry_points.entry_points(self.plait_group):
            if ep.name == name:
                func = _entry_points.load(dist_name, ep)
                catalogue._set(list(self.namespace) + [name], func)
                return func
        return super().get_entry_point(name, default)

    def get_entry_points(self) -> dict[str, Any]:
        return {**super().get_entry_points(), **_loaded_entry_points(self.plait_group)}

    def names(self) -> list[str]:
        """All registered names, including plait entry points, without importing them."""
        return _names(self.namespace, self.plait_group)


# thinc's registries, rebuilt as ThincRegistry so that plugins can extend them
# through plait_<name> entry points (what `plait info` lists).
_THINC_REGISTRIES = {
    name: ThincRegistry(name)
    for name in dir(thinc_registry)
    if isinstance(getattr(thinc_registry, name, None), catalogue.Registry)
}


class registry(thinc_registry):  # noqa: N801 - spaCy's name
    """thinc's registries (optimizers, schedules, layers, initializers…) plus
    plait's: architectures, factories, languages, tokenizers, readers,
    batchers, augmenters, callbacks, loggers, scorers, misc, converters."""

    architectures = Registry("architectures")
    factories = Registry("factories")
    languages = Registry("languages")
    tokenizers = Registry("tokenizers")
    readers = Registry("readers")
    batchers = Registry("batchers")
    augmenters = Registry("augmenters")
    callbacks = Registry("callbacks")
    loggers = Registry("loggers")
    scorers = Registry("scorers")
    misc = Registry("misc")
    converters = Registry("converters")
    datasets = _THINC_REGISTRIES["datasets"]
    initializers = _THINC_REGISTRIES["initializers"]
    layers = _THINC_REGISTRIES["layers"]
    losses = _THINC_REGISTRIES["losses"]
    ops = _THINC_REGISTRIES["ops"]
    optimizers = _THINC_REGISTRIES["optimizers"]
    schedules = _THINC_REGISTRIES["schedules"]

    @classmethod
    def get(cls, registry_name: str, func_name: str) -> Any:
        if not isinstance(getattr(cls, registry_name, None), catalogue.Registry):
            names = [n for n in dir(cls) if isinstance(getattr(cls, n, None), catalogue.Registry)]
            raise RegistryError(
                f"unknown registry '@{registry_name}'.{did_you_mean(registry_name, names)}"
            )
        reg = getattr(cls, registry_name)
        try:
            return reg.get(func_name)
        except catalogue.RegistryError as err:  # thinc's own registries
            names = reg.names() if isinstance(reg, ThincRegistry) else list(reg.get_all())
            raise RegistryError(
                f"no function '{func_name}' in registry '{registry_name}'."
                f"{did_you_mean(func_name, names)}"
            ) from err

    @classmethod
    def registry_names(cls) -> list[str]:
        return sorted(n for n in dir(cls) if isinstance(getattr(cls, n, None), catalogue.Registry))
