"""One validation pass over a whole training config, before any work starts.

``plait train`` used to find a bad value where it was first used: a string
``dropout`` in the first update, after the corpora were read; a width of 0
inside thinc. :func:`validate_config` checks everything a config says
before anything is built or read: its variables, every registered name, the
plain settings of ``[nlp]``, ``[training]`` and ``[initialize]`` against
:data:`SECTION_SCHEMAS`, every registered function's arguments against its
annotations (``plait.config._arguments``) and the names in ``[training]
score_weights``. ``plait train``, ``plait init fill-config``, ``plait debug
data`` and ``plait debug config`` run the same pass, so a config that one of
them accepts (or writes) is never refused by another.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, NonNegativeInt, PositiveInt

from ..errors import did_you_mean
from ._arguments import argument_problems, check_value, raise_problems
from ._resolution import check_function_names, interpolate

# The plain settings of the fixed sections and what each accepts. Settings
# holding a function block ([training.batcher]) are checked as functions.
SECTION_SCHEMAS: dict[str, dict[str, Any]] = {
    "nlp": {
        "lang": str | None,
        "pipeline": list[str],
        "disabled": list[str],
        "batch_size": PositiveInt,
    },
    "training": {
        "seed": int | None,
        "gpu_allocator": Literal["pytorch", "tensorflow"] | None,
        # A dropout of 1 drops everything: nothing would be learned.
        "dropout": Annotated[float, Field(ge=0, lt=1)],
        "accumulate_gradient": PositiveInt,
        "patience": NonNegativeInt,
        # -1 streams the corpus; 0 means no limit.
        "max_epochs": Annotated[int, Field(ge=-1)],
        "max_steps": NonNegativeInt,
        "eval_frequency": PositiveInt,
        "score_weights": dict[str, float | None],
        "frozen_components": list[str],
        "annotating_components": list[str],
        "dev_corpus": str,
        "train_corpus": str,
        "batch_size": PositiveInt,
    },
    "initialize": {
        "vectors": str | None,
        "init_tok2vec": str | None,
        "tokenizer": dict[str, Any],
        "components": dict[str, Any],
    },
}


def _holds_block(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(str(k).startswith("@") for k in value) or any(_holds_block(v) for v in value.values())
    return False


def section_problems(config: Mapping[str, Any]) -> list[tuple[tuple[str, ...], str, str]]:
    """Problems of the plain settings of [nlp], [training] and [initialize].

    config (Mapping): an interpolated config.
    RETURNS (list[tuple]): ``(section path, key, message)`` per problem.
    """
    problems: list[tuple[tuple[str, ...], str, str]] = []
    for section, schema in SECTION_SCHEMAS.items():
        block = config.get(section)
        if not isinstance(block, Mapping):
            continue
        for key, annotation in schema.items():
            if key not in block or _holds_block(block[key]):
                continue
            _, problem = check_value(block[key], annotation)
            if problem:
                problems.append(((section,), key, problem))
    return problems


def pipeline_problems(config: Mapping[str, Any]) -> list[tuple[tuple[str, ...], str, str]]:
    """A name listed twice in [nlp] pipeline (two components cannot share a
    name: each is one [components.NAME] block and one folder when saved)."""
    pipeline = (config.get("nlp") or {}).get("pipeline")
    if not isinstance(pipeline, list):
        return []
    seen: set[str] = set()
    problems: list[tuple[tuple[str, ...], str, str]] = []
    for name in pipeline:
        if name in seen:
            problems.append((("nlp",), "pipeline",
                             f"'{name}' is listed twice ({pipeline}). Each entry names its own "
                             f"[components.NAME] block: to run a second {name}, add a block such as "
                             f"[components.{name}2] (factory = \"...\") and list '{name}2'"))
        seen.add(str(name))
    return problems


def score_weight_problems(config: Mapping[str, Any]) -> list[tuple[tuple[str, ...], str, str]]:
    """Names in [training] score_weights that no component reports.

    An unknown name silently took a share of the combined score (with weight
    1 next to tag_acc's 1, the score was halved). Skipped when a component
    is sourced or its factory is unknown: its score names are not known then.
    """
    from ..plugins._factories import get_factory_meta

    weights = (config.get("training") or {}).get("score_weights") or {}
    if not isinstance(weights, Mapping) or not weights:
        return []
    components = config.get("components") or {}
    pipeline = (config.get("nlp") or {}).get("pipeline") or list(components)
    # nlp.evaluate always reports the speed (words/s) and the tokenizer's
    # scores (the spec's score_weights example weights token_acc 0.0).
    known: set[str] = {"speed", "token_acc", "token_p", "token_r", "token_f"}
    for name in pipeline:
        block = components.get(name) if isinstance(components, Mapping) else None
        if not isinstance(block, Mapping) or not isinstance(block.get("factory"), str) or "source" in block:
            return []
        try:
            meta = get_factory_meta(block["factory"])
        except Exception:  # noqa: BLE001 - an unknown factory is reported elsewhere
            return []
        known.update(meta.default_score_weights or {})
    problems: list[tuple[tuple[str, ...], str, str]] = []
    for key in weights:
        if key not in known:
            valid = ", ".join(sorted(known)) or "(none: no component reports a score)"
            problems.append((("training", "score_weights"), str(key),
                             f"no component reports a score called '{key}'.{did_you_mean(str(key), known)} "
                             f"Scores of this pipeline: {valid}"))
    return problems


def validate_config(config: Mapping[str, Any], *, source: str = "config") -> Any:
    """Check a whole (training) config without building or reading anything.

    config (Config | dict): the config as loaded (overrides applied, not
        interpolated); missing sections are taken from plait's defaults.
    source (str): the file name, for messages.
    RETURNS (Config): the config merged with the defaults, interpolated.
    """
    from confection import Config

    from ..language._config import copy_config, default_config

    merged = default_config().merge(copy_config(config))
    interpolated = interpolate(Config(merged), source=source)
    check_function_names(interpolated)
    problems = section_problems(interpolated)
    problems += pipeline_problems(interpolated)
    found, _ = argument_problems(interpolated)
    problems += found
    problems += score_weight_problems(interpolated)
    raise_problems(problems, source=source)
    return interpolated


__all__ = ["SECTION_SCHEMAS", "section_problems", "score_weight_problems", "validate_config"]
