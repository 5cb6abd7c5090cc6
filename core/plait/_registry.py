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

from . import _entry_points
from .errors import PluginError, RegistryError, did_you_mean

# When a name is missing, the distribution that usually provides it.
KNOWN_PROVIDERS: dict[str, str] = {
    "tok2vec": "plait-pipes", "tagger": "plait-pipes", "morphologizer": "plait-pipes",
    "senter": "plait-pipes", "sentencizer": "plait-pipes", "parser": "plait-pipes",
    "ner": "plait-pipes", "textcat": "plait-pipes", "textcat_multilabel": "plait-pipes",
    "entity_ruler": "plait-pipes", "lemmatizer": "plait-pipes", "entity_linker": "plait-pipes",
    "span_finder": "plait-pipes", "spancat": "plait-pipes",
    "trainable_lemmatizer": "plait-pipes",
    "plait.orth_variants.v1": "plait-augmenters", "plait.lower_case.v1": "plait-augmenters",
    "plait.combined_augmenter.v1": "plait-augmenters",
    "plait.WandbLogger.v1": "plait-loggers-wandb",
    "plait.JsonlCorpus.v1": "plait-readers", "plait.JsonlExamples.v1": "plait-readers",
}


def _provider_hint(name: str) -> str:
    """Say which distribution provides ``name``, and whether it is installed."""
    provider = KNOWN_PROVIDERS.get(name)
    if provider is None:
        return ""
    try:
        version = _entry_points.importlib_metadata.version(provider)
    except _entry_points.importlib_metadata.PackageNotFoundError:
        return f" It is provided by '{provider}': run `pip install {provider}`."
    return (
        f" It is planned for '{provider}', but the installed {provider} {version} does not "
        f"provide it; upgrade {provider} when a version with it is released."
    )


class Registry(catalogue.Registry):
    """A catalogue registry with lazy, fault-reporting entry points."""

    def __init__(self, name: str) -> None:
        super().__init__(("plait", name), entry_points=True)
        self.name = name

    def _get_entry_points(self) -> list[Any]:  # type: ignore[override]
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
        result = {}
        for dist_name, ep in _entry_points.entry_points(self.entry_point_namespace):
            try:
                result[ep.name] = _entry_points.load(dist_name, ep)
            except PluginError:
                continue  # remembered in _entry_points.broken()
        return result

    def names(self) -> list[str]:
        """All registered names, including entry points, without importing them."""
        local = [keys[-1] for keys in catalogue.REGISTRY if tuple(keys[:-1]) == tuple(self.namespace)]
        eps = [ep.name for _, ep in _entry_points.entry_points(self.entry_point_namespace)]
        return sorted(set(local) | set(eps))

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
        install = _provider_hint(name)
        raise RegistryError(
            f"no function '{name}' in registry '{self.name}'."
            f"{did_you_mean(name, self.names())}{install}"
        )


PLAIT_REGISTRIES = (
    "architectures", "factories", "languages", "tokenizers", "readers", "batchers",
    "augmenters", "callbacks", "loggers", "scorers", "misc", "converters",
)


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
            raise RegistryError(
                f"no function '{func_name}' in registry '{registry_name}'."
                f"{did_you_mean(func_name, reg.get_all())}"
            ) from err

    @classmethod
    def registry_names(cls) -> list[str]:
        return sorted(n for n in dir(cls) if isinstance(getattr(cls, n, None), catalogue.Registry))
