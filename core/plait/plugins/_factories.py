"""Factory metadata: what a component factory declares about itself.

``Language.factory`` / ``Language.component`` attach a :class:`FactoryMeta`
to the factory function as ``__plait_factory_meta__`` and register the
function in ``registry.factories``. Plugins list the same function under the
``plait_factories`` entry-point group, so looking up one factory imports only
the plugin that provides it, and the metadata travels with the function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import RegistryError, UsageError
from ._registry import registry

META_ATTR = "__plait_factory_meta__"


@dataclass
class FactoryMeta:
    """What a factory declares.

    factory (str): the factory name (``"tagger"``).
    default_config (dict | None): settings the factory is created with unless
        the config overrides them (``{"model": {...}, "overwrite": False}``).
    assigns (list[str]): attributes the component sets (``"token.tag"``).
    requires (list[str]): attributes it needs set by an earlier component.
    retokenizes (bool): whether it changes the tokenization.
    default_score_weights (dict[str, float | None]): score names it reports
        and their weights in the combined score (``None``: reported only).
    """

    factory: str
    default_config: dict[str, Any] | None = None
    assigns: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    retokenizes: bool = False
    default_score_weights: dict[str, float | None] = field(default_factory=dict)


def register_factory(
    name: str,
    func: Callable[..., Any],
    *,
    default_config: dict[str, Any] | None = None,
    assigns: Iterable[str] = (),
    requires: Iterable[str] = (),
    retokenizes: bool = False,
    default_score_weights: dict[str, float | None] | None = None,
) -> Callable[..., Any]:
    """Attach metadata to ``func`` and register it as factory ``name``.

    RETURNS (Callable): ``func`` itself, so this works as a decorator body.
    """
    if not isinstance(name, str) or not name:
        raise UsageError(f"a factory name must be a non-empty string, not {name!r}")
    if not callable(func):
        raise UsageError(f"factory '{name}': {func!r} is not callable")
    if default_config is not None and not isinstance(default_config, dict):
        raise UsageError(f"factory '{name}': default_config must be a dict, not {type(default_config).__name__}")
    for arg in ("nlp", "name"):
        if default_config and arg in default_config:
            raise UsageError(
                f"factory '{name}': default_config may not set '{arg}'; it is passed by the pipeline"
            )
    meta = FactoryMeta(
        factory=name,
        default_config=dict(default_config) if default_config else None,
        assigns=list(assigns),
        requires=list(requires),
        retokenizes=retokenizes,
        default_score_weights=dict(default_score_weights or {}),
    )
    setattr(func, META_ATTR, meta)
    registry.factories.register(name, func=func)
    return func


def register_component(
    name: str,
    func: Callable[[Any], Any],
    *,
    assigns: Iterable[str] = (),
    requires: Iterable[str] = (),
    retokenizes: bool = False,
) -> Callable[..., Any]:
    """Register a stateless function ``doc -> doc`` as component ``name``.

    The registered factory returns ``func`` itself for every pipeline.
    RETURNS (Callable): ``func``.
    """
    if not callable(func):
        raise UsageError(f"component '{name}': {func!r} is not callable")

    def factory(nlp: Any, name: str) -> Callable[[Any], Any]:
        return func

    factory.__name__ = f"make_{getattr(func, '__name__', 'component')}"
    register_factory(name, factory, assigns=assigns, requires=requires, retokenizes=retokenizes)
    setattr(func, META_ATTR, getattr(factory, META_ATTR))
    return func


def get_factory(name: str) -> Callable[..., Any]:
    """The factory function ``name``; a RegistryError names close matches and
    the distribution that provides it when known."""
    try:
        return registry.factories.get(name)
    except RegistryError as err:
        raise RegistryError(f"factory '{name}' not found: {err}") from None


def get_factory_meta(name: str) -> FactoryMeta:
    """The metadata of factory ``name`` (a bare one if the function has none)."""
    func = get_factory(name)
    meta = getattr(func, META_ATTR, None)
    if not isinstance(meta, FactoryMeta) or meta.factory != name:
        # An undecorated function registered under this name (or one whose
        # meta came from another name): describe it without defaults.
        meta = FactoryMeta(factory=name)
    return meta


def combine_score_weights(
    weights: list[dict[str, float | None]], overrides: dict[str, float | None] | None = None
) -> dict[str, float | None]:
    """Combine the components' default score weights into weights summing to 1.

    weights (list[dict]): one dict per component, in pipeline order.
    overrides (dict | None): weights set in the config; they win, ``None``
        keeps a score reported but out of the combined score.
    RETURNS (dict[str, float | None]): normalized weights, rounded to 2 places.
    """
    overrides = dict(overrides or {})
    combined: dict[str, float | None] = {}
    for w in weights:
        for key, value in w.items():
            combined[key] = value
    combined.update(overrides)
    total = sum(v for v in combined.values() if v)
    if total:
        return {k: (round(v / total, 2) if v is not None else None) for k, v in combined.items()}
    return combined
