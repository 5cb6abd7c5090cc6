"""The components part of ``Language``: adding, creating, sourcing, removing,
renaming, replacing, enabling and disabling components.

It edits the state declared in :class:`LanguageState`: ``_components``
(ordered ``(name, component)`` pairs), ``_pipe_meta`` (each component's
factory metadata), ``_pipe_configs`` (its filled config) and ``_disabled``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from confection import Config

from ..config import fill, resolve
from ..errors import UsageError
from ..plugins._factories import get_factory_meta
from ._config import copy_config
from ._names import check_component_name
from ._state import LanguageState


class ComponentsPart(LanguageState):
    """Component management of ``Language``."""

    def create_pipe(
        self,
        factory_name: str,
        name: str | None = None,
        *,
        config: dict[str, Any] | None = None,
        raw_config: Any = None,
        validate: bool = True,
    ) -> Any:
        """Create a component from a factory without adding it to the pipeline.

        factory_name (str): the registered factory.
        name (str | None): the component name (default: the factory name).
        config (dict | None): settings overriding the factory's defaults.
        validate (bool): check the settings against the factory's signature.
        RETURNS (Callable): the component.
        """
        name = name if name is not None else factory_name
        check_component_name(name, f"create_pipe('{factory_name}')")
        if not isinstance(config, (dict, type(None))):
            raise UsageError(f"add_pipe('{factory_name}'): config must be a dict, not {type(config).__name__}")
        pipe_meta = get_factory_meta(factory_name)
        cfg = copy_config(config or {})
        if pipe_meta.default_config:
            cfg = Config(copy_config(pipe_meta.default_config)).merge(cfg)
        for reserved in ("nlp", "name"):
            if reserved in cfg:
                raise UsageError(f"add_pipe('{factory_name}'): config may not set '{reserved}'")
        # Resolve under a top-level key (confection cannot resolve a bare
        # reference) with the nlp and name the factory receives.
        block = {**cfg, "@factories": factory_name}
        resolved = resolve({"components": {name: {**block, "nlp": self, "name": name}}}, validate=validate)
        filled = fill({"components": {name: {**block, "nlp": None, "name": name}}}, validate=False)
        filled_block = dict(filled["components"][name])
        for key in ("@factories", "nlp", "name"):
            filled_block.pop(key, None)
        if raw_config is not None:
            # Keep ${variables} of the original config in nlp.config.
            raw = dict(raw_config)
            raw.pop("factory", None)
            filled_block = dict(Config(filled_block).merge(raw))
        self._pipe_configs[name] = Config(filled_block)
        return resolved["components"][name]

    def add_pipe(
        self,
        factory_name: str,
        name: str | None = None,
        *,
        before: str | int | None = None,
        after: str | int | None = None,
        first: bool | None = None,
        last: bool | None = None,
        source: LanguageState | None = None,
        config: dict[str, Any] | None = None,
        raw_config: Any = None,
        validate: bool = True,
    ) -> Any:
        """Create a component from a factory (or copy it from ``source``) and add it.

        factory_name (str): the factory, or the component name in ``source``.
        name (str | None): the name in this pipeline (default: factory_name).
        before / after (str | int | None): insert next to this component.
        first / last (bool | None): insert first / last (the default).
        source (Language | None): copy the component, with its weights and
            config, from this pipeline.
        config (dict | None): settings overriding the factory's defaults.
        RETURNS (Callable): the added component.
        """
        if not isinstance(factory_name, str):
            raise UsageError(
                f"add_pipe takes the name of a registered factory (a string), not "
                f"{type(factory_name).__name__}. Register a function with "
                f"@Language.component('name') or @Language.factory('name') and pass that name."
            )
        name = name if name is not None else factory_name
        # Before anything is created: the name becomes a folder when saved.
        check_component_name(name, f"add_pipe('{factory_name}')" if name == factory_name
                             else f"add_pipe('{factory_name}', name=...)")
        if name in self.component_names:
            raise UsageError(
                f"a component called '{name}' already exists ({', '.join(self.component_names)}). "
                f"Pass a different name: nlp.add_pipe('{factory_name}', name='{name}2')."
            )
        index = self._get_pipe_index(before, after, first, last)
        if source is not None:
            pipe_component, factory_name = self._create_pipe_from_source(factory_name, source, name=name)
        else:
            pipe_component = self.create_pipe(factory_name, name=name, config=config,
                                              raw_config=raw_config, validate=validate)
        self._pipe_meta[name] = get_factory_meta(factory_name)
        self._components.insert(index, (name, pipe_component))
        self._link_components()
        return pipe_component

    def _create_pipe_from_source(self, source_name: str, source: LanguageState, *,
                                 name: str) -> tuple[Any, str]:
        if not isinstance(source, LanguageState):
            raise UsageError(f"add_pipe: source must be a Language object, not {type(source).__name__}")
        if source_name not in source.component_names:
            raise UsageError(f"add_pipe(source=...): {source._missing_component(source_name)}")
        # Interpolated, as spaCy does: a ${components.tok2vec...} variable in
        # the source's block refers to the *source* pipeline (e.g. the width
        # of a tok2vec copied by replace_listeners); left raw, it would follow
        # this pipeline's component of that name and no longer fit the weights.
        source_config = source.config.interpolate()["components"][source_name]
        factory_name = source_config["factory"]
        proc = source.get_pipe(source_name)
        for s in source.vocab.strings:
            self.vocab.strings.add(s)
        if source.vocab is self.vocab or not hasattr(proc, "to_bytes"):
            # Same vocab (or a stateless function): the object itself is used.
            pipe_component = proc
        else:
            cfg = dict(source_config)
            cfg.pop("factory", None)
            pipe_component = self.create_pipe(factory_name, name=name, config=cfg)
            pipe_component.from_bytes(proc.to_bytes(exclude=["vocab"]), exclude=["vocab"])
        self._pipe_configs[name] = copy_config(
            {k: v for k, v in source_config.items() if k != "factory"}
        )
        return pipe_component, factory_name

    def _get_pipe_index(self, before: Any = None, after: Any = None, first: Any = None, last: Any = None) -> int:
        given = [("before", before), ("after", after), ("first", first), ("last", last)]
        used = [k for k, v in given if v is not None and v is not False]
        if len(used) > 1:
            raise UsageError(f"add_pipe: pass only one of before, after, first, last (got {', '.join(used)})")
        names = self.component_names
        if not used or last:
            return len(self._components)
        if first:
            return 0
        where, target = ("before", before) if before is not None else ("after", after)
        if isinstance(target, bool) or not isinstance(target, (str, int)):
            raise UsageError(f"add_pipe: {where} must be a component name or index, not {target!r}")
        if isinstance(target, int):
            if not 0 <= target < max(len(names), 1) or not names:
                raise UsageError(f"add_pipe: {where}={target} is out of range for {len(names)} components")
            return target if where == "before" else target + 1
        if target not in names:
            raise UsageError(f"add_pipe: {where}='{target}' {self._missing_component(target)[:-1]}")
        idx = names.index(target)
        return idx if where == "before" else idx + 1

    def replace_pipe(self, name: str, factory_name: str, *, config: dict[str, Any] | None = None,
                     validate: bool = True) -> Any:
        """Replace component ``name`` by a new one from ``factory_name`` at the same position.

        RETURNS (Callable): the new component.
        """
        if name not in self.component_names:
            raise UsageError(self._missing_component(name))
        if not isinstance(factory_name, str):
            raise UsageError(f"replace_pipe takes a factory name, not {type(factory_name).__name__}")
        idx = self.component_names.index(name)
        was_disabled = name in self._disabled
        self.remove_pipe(name)
        if idx >= len(self._components):
            new = self.add_pipe(factory_name, name=name, config=config, validate=validate)
        else:
            new = self.add_pipe(factory_name, name=name, before=idx, config=config, validate=validate)
        if was_disabled:
            self._disabled.add(name)
        return new

    def rename_pipe(self, old_name: str, new_name: str) -> None:
        """Rename component ``old_name`` to ``new_name``."""
        if old_name not in self.component_names:
            raise UsageError(self._missing_component(old_name))
        check_component_name(new_name, "rename_pipe")
        if new_name in self.component_names:
            raise UsageError(f"rename_pipe: a component called '{new_name}' already exists")
        i = self.component_names.index(old_name)
        self._components[i] = (new_name, self._components[i][1])
        self._pipe_meta[new_name] = self._pipe_meta.pop(old_name)
        self._pipe_configs[new_name] = self._pipe_configs.pop(old_name)
        if hasattr(self._components[i][1], "name"):
            try:
                self._components[i][1].name = new_name
            except AttributeError:
                pass
        if old_name in self._disabled:
            self._disabled.discard(old_name)
            self._disabled.add(new_name)
        self._link_components()

    def remove_pipe(self, name: str) -> tuple[str, Any]:
        """Remove component ``name``. RETURNS (tuple[str, Callable]): (name, component)."""
        if name not in self.component_names:
            raise UsageError(self._missing_component(name))
        removed = self._components.pop(self.component_names.index(name))
        self._pipe_meta.pop(name, None)
        self._pipe_configs.pop(name, None)
        self._disabled.discard(name)
        # Listeners of the removed component must not keep receiving tok2vec output.
        for _, proc in self._components:
            if hasattr(proc, "listener_map") and name in getattr(proc, "listener_map", {}):
                for listener in list(proc.listener_map[name]):
                    proc.remove_listener(listener, name)
        return removed

    def disable_pipe(self, name: str) -> None:
        """Disable component ``name``: it stays in the pipeline but does not run."""
        if name not in self.component_names:
            raise UsageError(self._missing_component(name))
        self._disabled.add(name)

    def enable_pipe(self, name: str) -> None:
        """Enable a disabled component ``name``."""
        if name not in self.component_names:
            raise UsageError(self._missing_component(name))
        self._disabled.discard(name)

    def select_pipes(self, *, disable: str | Iterable[str] | None = None,
                     enable: str | Iterable[str] | None = None) -> DisabledPipes:
        """Disable components for a while; usable as a context manager.

        disable (str | Iterable[str] | None): components to disable.
        enable (str | Iterable[str] | None): components to keep; all others are disabled.
        RETURNS (DisabledPipes): the disabled names; ``.restore()`` re-enables them.
        """
        if enable is None and disable is None:
            raise UsageError("select_pipes: pass disable=[...] or enable=[...]")
        disable_l = [disable] if isinstance(disable, str) else list(disable or [])
        enable_l = [enable] if isinstance(enable, str) else list(enable or []) if enable is not None else None
        for n in [*disable_l, *(enable_l or [])]:
            if n not in self.component_names:
                raise UsageError(f"select_pipes: {self._missing_component(n)}")
        if enable_l is not None:
            to_disable = [n for n in self.pipe_names if n not in enable_l]
            if disable is not None and set(disable_l) != set(to_disable):
                raise UsageError(
                    f"select_pipes: disable={disable_l} and enable={enable_l} disagree; pass only one"
                )
            disable_l = to_disable
        disable_l = [n for n in disable_l if n not in self._disabled]
        return DisabledPipes(self, disable_l)


class DisabledPipes(list):
    """The components disabled by ``select_pipes``; re-enabled by ``restore()``
    or on leaving the ``with`` block."""

    def __init__(self, nlp: ComponentsPart, names: list[str]) -> None:
        self.nlp = nlp
        self.names = list(names)
        for name in self.names:
            nlp.disable_pipe(name)
        super().__init__(self.names)

    def __enter__(self) -> DisabledPipes:
        return self

    def __exit__(self, *args: Any) -> None:
        self.restore()

    def restore(self) -> None:
        """Re-enable the components this object disabled."""
        for name in self.names:
            if name in self.nlp.component_names:
                self.nlp.enable_pipe(name)
        self[:] = []
