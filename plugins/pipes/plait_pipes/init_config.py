"""``init config`` recommendations for this plugin's components (pluggy hook).

``plait init config --pipeline tagger,textcat --optimize accuracy`` asks
every plugin for the sections of the components it provides. A component in
a pipeline that has a ``tok2vec`` gets a ``plait.Tok2VecListener.v1``
pointing at it; otherwise it embeds its own tok2vec. "accuracy" uses wider
models. Kept free of heavy imports: it is imported when the CLI starts.
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
PROVIDED = {"tok2vec", *TAGGING, *TEXTCAT, *RULES}


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
        else:
            out[base] = {"factory": name, **RULES[name]}
    return out
