"""The training half of ``Language``: initialize, update, evaluate, listeners.

A part of ``Language`` (see ``_state.py``); these are the methods the training loop calls
(``plait.training.loop``) and that a user's own loop calls, with spaCy v3's
signatures.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from copy import deepcopy
from pathlib import Path
from typing import Any

from ..errors import ConfigError, UsageError, did_you_mean
from ..pipe import validate_examples, validate_get_examples
from ._config import dot_to_object, set_dot_to_object
from ._state import LanguageState


def _copy_examples(examples: list[Any]) -> list[Any]:
    # Evaluation (and annotating components) overwrite eg.predicted; the
    # caller's Examples must stay as they were.
    from ..training.example import Example

    return [Example(eg.predicted.copy(), eg.reference) for eg in examples]


def _validate_init_settings(func: Callable[..., Any], settings: dict[str, Any], *, section: str, name: str) -> dict[str, Any]:
    params = inspect.signature(func).parameters
    accepts_any = any(p.kind == p.VAR_KEYWORD for p in params.values())
    allowed = [p for p in params if p not in ("get_examples", "nlp", "self")]
    for key in settings:
        if not accepts_any and key not in allowed:
            raise ConfigError(
                f"[initialize.{section}{'.' + name if section == 'components' else ''}] {key}: not an "
                f"argument of {name}.initialize.{did_you_mean(key, allowed)} "
                f"Its arguments: {', '.join(allowed) or 'none'}."
            )
    return dict(settings)


class TrainingPart(LanguageState):
    """initialize / update / evaluate / resume_training / replace_listeners."""

    def create_optimizer(self) -> Any:
        """RETURNS (Optimizer): the optimizer of ``[training.optimizer]``
        (thinc's Adam with the default settings if the section is missing)."""
        from ..config import resolve

        cfg = self.config.interpolate()
        opt_cfg = cfg.get("training", {}).get("optimizer")
        from ..training.optimizer import fuse_optimizer

        if not opt_cfg:
            from thinc.api import Adam

            return fuse_optimizer(Adam(0.001))
        return fuse_optimizer(resolve({"optimizer": opt_cfg})["optimizer"])

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *,
                   sgd: Any = None) -> Any:
        """Initialize the pipeline for training, following ``[initialize]``.

        Calls ``before_init(nlp)``, the tokenizer's ``initialize``, each
        component's ``initialize(get_examples, nlp=nlp, **settings)`` with the
        settings of ``[initialize.components.NAME]`` (frozen components of
        ``[training] frozen_components`` are skipped), then ``after_init(nlp)``.

        get_examples (Callable[[], Iterable[Example]] | None): the training data.
        sgd (Optimizer | None): an optimizer to use instead of a new one.
        RETURNS (Optimizer): the optimizer.
        """
        from ..config import resolve

        if get_examples is None:
            def get_examples() -> list[Any]:
                return []
        else:
            validate_get_examples(get_examples, "nlp.initialize")
        config = self.config.interpolate()
        init_cfg = config.get("initialize", {})
        settings = resolve({"initialize": dict(init_cfg)})["initialize"]
        before_init, after_init = settings.get("before_init"), settings.get("after_init")
        if before_init is not None:
            before_init(self)
        if settings.get("vectors"):
            # Before the components: StaticVectors layers take their width from the table.
            from ..vectors_init import load_vectors_into

            load_vectors_into(self, settings["vectors"])
        frozen = set(config.get("training", {}).get("frozen_components", []) or [])
        if hasattr(self.tokenizer, "initialize"):
            tok_settings = _validate_init_settings(self.tokenizer.initialize, settings.get("tokenizer") or {},
                                                   section="tokenizer", name="tokenizer")
            self.tokenizer.initialize(get_examples, nlp=self, **tok_settings)
        comp_settings = settings.get("components") or {}
        for name in comp_settings:
            if name not in self.component_names:
                raise ConfigError(f"[initialize.components.{name}]: {self._missing_component(name)}")
        for name, proc in self.pipeline:
            if name in frozen or not hasattr(proc, "initialize"):
                continue
            p_settings = _validate_init_settings(proc.initialize, comp_settings.get(name) or {},
                                                 section="components", name=name)
            proc.initialize(get_examples, nlp=self, **p_settings)
        if settings.get("init_tok2vec"):
            self._init_tok2vec(Path(settings["init_tok2vec"]), config.get("pretraining") or {})
        self._link_components()
        if sgd is not None:
            self._optimizer = sgd
        elif self._optimizer is None:
            self._optimizer = self.create_optimizer()
        if after_init is not None:
            after_init(self)
        return self._optimizer

    def _init_tok2vec(self, path: Path, pretrain_cfg: dict[str, Any]) -> None:
        # Weights from `plait pretrain`: loaded into [pretraining] component
        # (and its `layer`, if named) of this pipeline.
        component = pretrain_cfg.get("component", "tok2vec")
        layer = pretrain_cfg.get("layer", "")
        if component not in self.component_names:
            raise ConfigError(f"[pretraining] component: {self._missing_component(component)}")
        from ..training.pretrain_weights import load_layer_weights

        model = self.get_pipe(component).model
        if layer:
            if not model.has_ref(layer):
                raise ConfigError(f"[pretraining] layer: component '{component}' has no layer '{layer}'; "
                                  f"its layers: {', '.join(model.ref_names) or 'none'}.")
            model = model.get_ref(layer)
        where = f"component '{component}'" + (f" layer '{layer}'" if layer else "")
        load_layer_weights(model, path, where=where)

    def resume_training(self, *, sgd: Any = None) -> Any:
        """Continue training a trained pipeline: keep the weights, make a
        rehearsal copy of each model, and return an optimizer.

        RETURNS (Optimizer): ``sgd`` or a new optimizer from the config.
        """
        for _, proc in self.pipeline:
            if hasattr(proc, "_rehearsal_model") and getattr(proc, "model", None) is not None:
                proc._rehearsal_model = proc.model.copy()
        if sgd is not None:
            self._optimizer = sgd
        elif self._optimizer is None:
            self._optimizer = self.create_optimizer()
        return self._optimizer

    def update(
        self,
        examples: Iterable[Any],
        _: Any = None,
        *,
        drop: float = 0.0,
        sgd: Any = None,
        losses: dict[str, float] | None = None,
        component_cfg: dict[str, dict[str, Any]] | None = None,
        exclude: Iterable[str] = (),
        annotates: Iterable[str] = (),
    ) -> dict[str, float]:
        """Update the trainable components on a batch of Examples.

        examples (Iterable[Example]): the batch.
        drop (float): dropout rate.
        sgd (Optimizer | None): the optimizer (default: the pipeline's own).
        losses (dict | None): accumulates each component's loss.
        component_cfg (dict | None): per-component keyword arguments.
        exclude (Iterable[str]): components not to update (frozen ones).
        annotates (Iterable[str]): components whose predictions are set on
            the examples so later components see them.
        RETURNS (dict[str, float]): ``losses``.
        """
        if _ is not None:
            raise UsageError("nlp.update takes a list of Example objects; the second positional argument was removed. "
                             "Use Example.from_dict(doc, annotations).")
        if losses is None:
            losses = {}
        examples = validate_examples(examples, "nlp.update")
        if not examples:
            return losses
        exclude, annotates = set(exclude), set(annotates)
        if annotates:
            examples = _copy_examples(examples)
        if sgd is None:
            if self._optimizer is None:
                self._optimizer = self.create_optimizer()
            sgd = self._optimizer
        component_cfg = component_cfg or {}
        for name, proc in self.pipeline:
            if name not in exclude and hasattr(proc, "update"):
                _require_initialized(name, proc)
        for name, proc in self.pipeline:
            cfg = dict(component_cfg.get(name, {}))
            if name not in exclude and hasattr(proc, "update"):
                cfg.setdefault("drop", drop)
                proc.update(examples, sgd=None, losses=losses, **cfg)
            if sgd not in (None, False) and name not in exclude and getattr(proc, "is_trainable", False) \
                    and getattr(proc, "model", None) not in (None, True, False):
                proc.finish_update(sgd)
            if name in annotates:
                docs = _annotate(proc, [eg.predicted for eg in examples], self.batch_size)
                for eg, doc in zip(examples, docs, strict=True):
                    eg.predicted = doc
        return losses

    def rehearse(self, examples: Iterable[Any], *, sgd: Any = None, losses: dict[str, float] | None = None,
                 component_cfg: dict[str, dict[str, Any]] | None = None, exclude: Iterable[str] = ()) -> dict[str, float]:
        """Pseudo-rehearsal: components implementing ``rehearse`` learn to keep
        their initial predictions on ``examples``. RETURNS (dict): losses."""
        losses = {} if losses is None else losses
        examples = validate_examples(examples, "nlp.rehearse")
        if sgd is None:
            sgd = self._optimizer if self._optimizer is not None else self.create_optimizer()
        component_cfg = component_cfg or {}
        for name, proc in self.pipeline:
            if name in exclude or not hasattr(proc, "rehearse"):
                continue
            proc.rehearse(examples, sgd=sgd, losses=losses, **component_cfg.get(name, {}))
        return losses

    def evaluate(
        self,
        examples: Iterable[Any],
        *,
        batch_size: int | None = None,
        scorer: Any = None,
        component_cfg: dict[str, dict[str, Any]] | None = None,
        scorer_cfg: dict[str, Any] | None = None,
        per_component: bool = False,
    ) -> dict[str, Any]:
        """Run the pipeline on copies of the examples' predicted Docs and score them.

        RETURNS (dict[str, Any]): the scores, with ``speed`` (words per second).
        """
        examples = validate_examples(examples, "nlp.evaluate")
        examples = _copy_examples(examples)
        batch_size = batch_size or self.batch_size
        if scorer is None:
            from ..scoring import Scorer

            kwargs = dict(scorer_cfg or {})
            kwargs.setdefault("nlp", self)
            scorer = Scorer(**kwargs)
        start = time.perf_counter()
        # Tokenizing the raw text is timed too, as it is part of the pipeline.
        for eg in examples:
            self.make_doc(eg.reference.text)
        docs = self.pipe((eg.predicted for eg in examples), batch_size=batch_size, component_cfg=component_cfg)
        for eg, doc in zip(examples, docs, strict=True):
            eg.predicted = doc
        elapsed = time.perf_counter() - start
        results = scorer.score(examples, per_component=per_component) if per_component else scorer.score(examples)
        n_words = sum(len(eg.predicted) for eg in examples)
        results["speed"] = n_words / elapsed if elapsed > 0 else 0.0
        return results

    @contextmanager
    def use_params(self, params: dict | None, **cfg: Any) -> Iterator[None]:
        """Use ``params`` (e.g. the optimizer's averages) in every component for a while."""
        if not params:
            yield
            return
        with ExitStack() as stack:
            for _, proc in self.pipeline:
                if hasattr(proc, "use_params") and getattr(proc, "model", None) is not None:
                    stack.enter_context(proc.use_params(params))
            yield

    def replace_listeners(self, tok2vec_name: str, pipe_name: str, listeners: Iterable[str]) -> None:
        """Give ``pipe_name`` its own copy of the shared tok2vec ``tok2vec_name``.

        Each listener layer of ``pipe_name`` that listens to ``tok2vec_name``
        is replaced by a copy of the tok2vec's model (with its weights), and
        the config of ``pipe_name`` gets the tok2vec's model config at each
        path of ``listeners`` (e.g. ``["model.tok2vec"]``).

        The tok2vec component must expose ``model``, ``listener_map``
        (``{component_name: [listener_model, ...]}``) and
        ``remove_listener(listener, component_name)``.
        """
        listeners = list(listeners)
        for name in (tok2vec_name, pipe_name):
            if name not in self.pipe_names:
                raise UsageError(f"replace_listeners: {self._missing_component(name)}")
        tok2vec = self.get_pipe(tok2vec_name)
        if not hasattr(tok2vec, "listener_map") or not hasattr(tok2vec, "remove_listener"):
            raise UsageError(
                f"replace_listeners: '{tok2vec_name}' ({type(tok2vec).__name__}) has no listeners: it "
                f"needs `listener_map` and `remove_listener` (a tok2vec component)."
            )
        # Interpolated: the copy is independent of the tok2vec, so its config
        # must not keep ${components.tok2vec...} variables (they would break
        # once that tok2vec is removed, replaced or resized).
        tok2vec_cfg = self.config.interpolate()["components"][tok2vec_name]
        pipe_listeners = list(tok2vec.listener_map.get(pipe_name, []))
        pipe = self.get_pipe(pipe_name)
        pipe_cfg = self._pipe_configs[pipe_name]
        if not listeners:
            return
        if len(listeners) != len(pipe_listeners):
            raise UsageError(
                f"replace_listeners: '{pipe_name}' has {len(pipe_listeners)} listener(s) of "
                f"'{tok2vec_name}' but {len(listeners)} config path(s) were given ({listeners}). "
                f"Pass one path per listener, e.g. ['model.tok2vec']."
            )
        for path in listeners:
            try:
                dot_to_object(pipe_cfg, path)
            except KeyError:
                raise UsageError(
                    f"replace_listeners: no '{path}' in the config of '{pipe_name}' "
                    f"([components.{pipe_name}.{path}] does not exist)."
                ) from None
            set_dot_to_object(pipe_cfg, path, deepcopy(dict(tok2vec_cfg["model"])))
        for listener in pipe_listeners:
            new_model = tok2vec.model.copy()
            replace = tok2vec.model.attrs.get("replace_listener")
            if replace is not None:
                n_params = len(inspect.signature(replace).parameters)
                new_model = replace(new_model) if n_params == 1 else replace(new_model, listener, tok2vec)
            _replace_model_node(pipe.model, listener, new_model)
            tok2vec.remove_listener(listener, pipe_name)


def _replace_model_node(model: Any, target: Any, replacement: Any) -> None:
    """Swap ``target`` for ``replacement`` everywhere in ``model``'s tree, refs included.

    model (Model): the tree to edit in place.
    target (Model): the node to swap out (a listener).
    replacement (Model): the node to put in its place.
    """
    # Two passes: thinc's set_ref only accepts a node already in the referring
    # node's subtree, and an outer node may refer to a listener nested deeper
    # than the layer list that holds it, so every layer list is swapped before
    # any ref. The nodes are listed first so the walk never descends into the
    # replacement.
    nodes = list(model.walk())
    for node in nodes:
        node.layers[:] = [replacement if layer is target else layer for layer in node.layers]
    for node in nodes:
        for ref_name in node.ref_names:
            if node.has_ref(ref_name) and node.get_ref(ref_name) is target:
                node.set_ref(ref_name, replacement)


def _annotate(proc: Any, docs: list[Any], batch_size: int) -> list[Any]:
    if hasattr(proc, "pipe"):
        return list(proc.pipe(docs, batch_size=batch_size))
    return [proc(doc) for doc in docs]


def _require_initialized(name: str, proc: Any) -> None:
    """Refuse to update a component whose weights were never allocated
    (thinc failed deep inside with "Parameter 'E' ... not allocated")."""
    model = getattr(proc, "model", None)
    if model in (None, True, False) or not hasattr(model, "walk"):
        return
    for node in model.walk():
        for param in node.param_names:
            if node.has_param(param) is None:
                raise UsageError(
                    f"nlp.update: component '{name}' is not initialized (its model has no weights "
                    "yet). Call nlp.initialize(lambda: examples) first; plait train does this for you."
                )
