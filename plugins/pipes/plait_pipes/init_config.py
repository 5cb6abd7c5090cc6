"""``init config`` recommendations for this plugin's components (pluggy hook).

``plait init config --pipeline tagger,textcat --optimize accuracy`` first
asks which components can listen to a shared ``tok2vec``
(``init_config_listeners``; the command adds one at the front when two or
more can), then asks every plugin for the sections of the components it
provides (``init_config_components``). A component in a pipeline that has a
``tok2vec`` gets a ``plait.Tok2VecListener.v1`` pointing at it; otherwise it
embeds its own tok2vec. "accuracy" uses a wider, deeper tok2vec. Kept free of
heavy imports: it is imported when the CLI starts.
"""

from __future__ import annotations

from typing import Any

try:
    from plait.hookspecs import hookimpl
except ImportError:  # the marker is identical; only the import location differs
    import pluggy

    hookimpl = pluggy.HookimplMarker("plait")

TAGGING = {"tagger", "morphologizer", "senter", "trainable_lemmatizer"}
TEXTCAT = {"textcat", "textcat_multilabel"}
RULES = {"sentencizer": {}, "entity_ruler": {}, "lemmatizer": {"mode": "rule"}}
LABEL_SMOOTHED = {"tagger", "morphologizer"}
# spaCy's CPU recommendations, the same for "efficiency" and "accuracy" (only
# the shared tok2vec grows); the beam variants add the beam settings of
# spaCy's beam factories.
TRANSITION: dict[str, dict[str, Any]] = {
    "parser": {"state_type": "parser", "hidden_width": 128, "maxout_pieces": 3},
    "ner": {"state_type": "ner", "hidden_width": 64, "maxout_pieces": 2},
}
TRANSITION_SETTINGS: dict[str, dict[str, Any]] = {
    "parser": {"learn_tokens": False, "min_action_freq": 30, "update_with_oracle_cut_size": 100},
    "ner": {"incorrect_spans_key": None, "update_with_oracle_cut_size": 100},
}
BEAM_SETTINGS: dict[str, dict[str, Any]] = {
    "parser": {"beam_width": 8, "beam_density": 0.0001, "beam_update_prob": 0.5},
    "ner": {"beam_width": 8, "beam_density": 0.01, "beam_update_prob": 0.5},
}
TRANSITION_FACTORIES = {"parser": "parser", "ner": "ner", "beam_parser": "parser", "beam_ner": "ner"}
# "accuracy" picks the graph-based models for `parser` and `ner` (the beam
# factories keep the transition model they need): with this plugin's
# accuracy tok2vec (width 256, depth 8) on the same data, 600 steps, seeds 0
# and 1 (bench/_parser_run.py, docs/pipes.md), the biaffine parser scored
# EWT dev/test LAS 69.22/69.17 against 65.46/65.84, the CRF ner UNER test F
# 46.66 against 44.35 and WNUT-17 dev/test F 24.62/15.28 against 18.62/13.19.
GRAPH_MODELS: dict[str, dict[str, Any]] = {
    "parser": {"@architectures": "plait.BiaffineParser.v1", "arc_hidden": 256, "label_hidden": 64,
               "dropout": 0.0, "mst": True, "depth": 0, "window_size": 1, "distance": True,
               "label_mlp": 128, "joint_heads": 5, "joint_weight": 2.0, "label_smoothing": 0.1, "nO": None},
    "ner": {"@architectures": "plait.BILUOTagger.v1", "nO": None},
}
PROVIDED = {"tok2vec", *TAGGING, *TEXTCAT, *RULES, *TRANSITION_FACTORIES}


def _tok2vec_sections(prefix: str, optimize: str) -> dict[str, dict[str, Any]]:
    width, depth, rows = (256, 8, [5000, 1000, 2500, 2500]) if optimize == "accuracy" else (
        96, 4, [5000, 1000, 2500, 2500])
    return {
        prefix: {"@architectures": "plait.Tok2Vec.v2"},
        f"{prefix}.embed": {
            "@architectures": "plait.MultiHashEmbed.v2",
            "width": f"${{{prefix}.encode.width}}",
            "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
            "rows": rows,
            "include_static_vectors": False,
        },
        f"{prefix}.encode": {
            "@architectures": "plait.MaxoutWindowEncoder.v2",
            "width": width,
            "depth": depth,
            "window_size": 1,
            "maxout_pieces": 3,
        },
    }


def _listener() -> dict[str, Any]:
    return {
        "@architectures": "plait.Tok2VecListener.v1",
        "width": "${components.tok2vec.model.encode.width}",
        "upstream": "*",
    }


def _listens(name: str, optimize: str) -> bool:
    """Whether the recommended model of `name` would use a shared tok2vec.

    A textcat for "efficiency" is a bag of words without one, so it does not
    count towards sharing (it still listens when a tok2vec is there anyway).
    """
    if name in TEXTCAT:
        return optimize == "accuracy"
    return name in TAGGING or name in TRANSITION_FACTORIES


@hookimpl
def init_config_listeners(
    pipeline: list[str], lang: str, optimize: str, gpu: bool
) -> dict[str, list[str]] | None:
    """The components of `pipeline` that can listen to a shared ``tok2vec``.

    pipeline (List[str]): component names (= factory names) in order.
    lang (str): the language code.
    optimize (str): "efficiency" or "accuracy".
    gpu (bool): whether the pipeline will train on GPU.
    RETURNS (dict | None): ``{"tok2vec": [names]}``, or None when none can.
    """
    names = [name for name in pipeline if _listens(name, optimize)]
    return {"tok2vec": names} if names else None


def _transition_sections(name: str, base: str, shared: bool, optimize: str) -> dict[str, dict[str, Any]]:
    kind = TRANSITION_FACTORIES[name]
    block: dict[str, Any] = {"factory": name, **TRANSITION_SETTINGS[kind]}
    if name.startswith("beam_"):
        block.update(BEAM_SETTINGS[kind])
    if optimize == "accuracy" and name in GRAPH_MODELS:
        model = dict(GRAPH_MODELS[name])
    else:
        model = {"@architectures": "plait.TransitionBasedParser.v2", **TRANSITION[kind],
                 "extra_state_tokens": False, "use_upper": True, "nO": None}
    out = {base: block, f"{base}.model": model}
    if shared:
        out[f"{base}.model.tok2vec"] = _listener()
    else:
        out.update(_tok2vec_sections(f"{base}.model.tok2vec", optimize))
    return out


@hookimpl
def init_config_components(
    pipeline: list[str], lang: str, optimize: str, gpu: bool
) -> dict[str, dict[str, Any]] | None:
    """Config sections for the components of `pipeline` this plugin provides.

    pipeline (List[str]): component names (= factory names) in order.
    lang (str): the language code.
    optimize (str): "efficiency" or "accuracy".
    gpu (bool): whether the pipeline will train on GPU.
    RETURNS (dict | None): dotted section name -> keys, or None.
    """
    ours = [name for name in pipeline if name in PROVIDED]
    if not ours:
        return None
    shared = "tok2vec" in pipeline
    out: dict[str, dict[str, Any]] = {}
    for name in ours:
        base = f"components.{name}"
        if name == "tok2vec":
            out[base] = {"factory": "tok2vec"}
            out.update(_tok2vec_sections(f"{base}.model", optimize))
        elif name in TAGGING:
            out[base] = {"factory": name}
            if name in LABEL_SMOOTHED:
                # The starter value spaCy's quickstart uses; the factory default stays 0.0.
                out[base]["label_smoothing"] = 0.05
            out[f"{base}.model"] = {"@architectures": "plait.Tagger.v2", "nO": None, "normalize": False}
            if shared:
                out[f"{base}.model.tok2vec"] = _listener()
            else:
                out.update(_tok2vec_sections(f"{base}.model.tok2vec", optimize))
        elif name in TEXTCAT:
            exclusive = name == "textcat"
            out[base] = {"factory": name}
            bow = {
                "@architectures": "plait.TextCatBOW.v3",
                "exclusive_classes": exclusive,
                "ngram_size": 1,
                "no_output_layer": False,
                "length": 262144,
            }
            if optimize == "efficiency" and not shared:
                out[f"{base}.model"] = bow
                continue
            out[f"{base}.model"] = {"@architectures": "plait.TextCatEnsemble.v2", "nO": None}
            out[f"{base}.model.linear_model"] = {**bow, "no_output_layer": False}
            if shared:
                out[f"{base}.model.tok2vec"] = _listener()
            else:
                out.update(_tok2vec_sections(f"{base}.model.tok2vec", optimize))
        elif name in TRANSITION_FACTORIES:
            out.update(_transition_sections(name, base, shared, optimize))
        else:
            out[base] = {"factory": name, **RULES[name]}
    return out
