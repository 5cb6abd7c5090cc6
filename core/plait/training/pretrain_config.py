"""The ``[pretraining]`` section: its defaults (what ``plait init config
--pretraining`` writes) and how a user's section is filled from them."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import ConfigError

# spaCy's defaults, with plait's registered names.
PRETRAINING_DEFAULTS: dict[str, Any] = {
    "max_epochs": 1000,
    "dropout": 0.2,
    "n_save_every": None,
    "n_save_epoch": None,
    "component": "tok2vec",
    "layer": "",
    "corpus": "corpora.pretrain",
    "batcher": {
        "@batchers": "plait.batch_by_words.v1", "size": 3000, "discard_oversize": False,
        "tolerance": 0.2, "get_length": None,
    },
    "objective": {
        "@architectures": "plait.PretrainCharacters.v1", "maxout_pieces": 3, "hidden_size": 300,
        "n_characters": 4,
    },
    "optimizer": {
        "@optimizers": "Adam.v1", "beta1": 0.9, "beta2": 0.999, "L2_is_weight_decay": True,
        "L2": 0.01, "grad_clip": 1.0, "use_averages": True, "eps": 1e-8, "learn_rate": 0.001,
    },
}
PRETRAIN_CORPUS: dict[str, Any] = {
    "@readers": "plait.JsonlCorpus.v1", "path": "${paths.raw_text}", "min_length": 5,
    "max_length": 500, "limit": 0,
}


def pretraining_section(config: Any) -> dict[str, Any]:
    """Add the default ``[pretraining]`` (and ``[corpora.pretrain]``, ``[paths] raw_text``)
    to a config, choosing the component and layer that hold the tok2vec.

    config (Config): a filled config (``plait init config``), changed in place.
    RETURNS (dict): the pretraining section.
    """
    section = copy.deepcopy(PRETRAINING_DEFAULTS)
    components = config.get("components") or {}
    pipeline = (config.get("nlp") or {}).get("pipeline") or list(components)
    if "tok2vec" not in components:
        # No shared tok2vec: the first component with its own tok2vec layer.
        for name in pipeline:
            model = (components.get(name) or {}).get("model") or {}
            if isinstance(model.get("tok2vec"), dict):
                section["component"], section["layer"] = name, "tok2vec"
                break
    config["pretraining"] = section
    config.setdefault("paths", {}).setdefault("raw_text", None)
    config.setdefault("corpora", {}).setdefault("pretrain", dict(PRETRAIN_CORPUS))
    return section


def fill_pretraining(config: Any) -> dict[str, Any]:
    """The user's ``[pretraining]`` over the defaults (a function block given by
    the user replaces the default block whole).

    config (Config): the raw config (changed in place: [pretraining] filled).
    RETURNS (dict): the filled section.
    RAISES (ConfigError): the config has no [pretraining] settings.
    """
    user = config.get("pretraining")
    if not user:
        raise ConfigError(
            "[pretraining]: the config has no pretraining settings. Create them with "
            "`plait init config config.cfg --pretraining` (or add a [pretraining] section)."
        )
    filled = copy.deepcopy(PRETRAINING_DEFAULTS)
    for key, value in user.items():
        if key not in filled:
            from ..errors import did_you_mean

            raise ConfigError(f"[pretraining] {key}: not a pretraining setting.{did_you_mean(key, list(filled))}")
        if isinstance(value, dict) and isinstance(filled[key], dict) and not any(str(k).startswith("@") for k in value):
            filled[key].update(value)
        else:
            filled[key] = value
    config["pretraining"] = filled
    if filled["corpus"] == "corpora.pretrain":
        config.setdefault("paths", {}).setdefault("raw_text", None)
        config.setdefault("corpora", {}).setdefault("pretrain", dict(PRETRAIN_CORPUS))
    return filled
