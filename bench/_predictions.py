"""Token-level predictions of a saved pipeline, written to JSON, and their agreement.

Why it exists: bench/gpu.py checks that a pipeline trained on the GPU predicts
the same on the CPU after reloading (issue 16): both runs write what every
component set on every token, and ``agreement`` counts the tokens whose
annotations are identical.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any


def write_predictions(lib_name: str, model_dir: Path, texts: list[str], out: Path) -> dict[str, Any]:
    """Load `model_dir`, annotate `texts`, write one record per doc to `out`.

    RETURNS (dict): what was written (docs, tokens, device).
    """
    from thinc.api import get_current_ops

    lib = importlib.import_module(lib_name)
    nlp = lib.load(model_dir)
    docs = []
    for doc in nlp.pipe(texts, batch_size=256):
        docs.append({
            "tag": [t.tag_ for t in doc], "morph": [str(t.morph) for t in doc],
            "head": [t.head.i for t in doc], "dep": [t.dep_ for t in doc],
            "ent": [f"{t.ent_iob_}-{t.ent_type_}" for t in doc],
        })
    out.write_text(json.dumps(docs))
    return {"lib": lib_name, "docs": len(docs), "tokens": sum(len(d["tag"]) for d in docs),
            "ops": type(get_current_ops()).__name__}


def agreement(a_path: Path, b_path: Path) -> dict[str, float]:
    """Percent of tokens with identical predictions, per annotation kind.

    RETURNS (dict[str, float]): kind -> percent (100.0: identical).
    """
    a, b = json.loads(a_path.read_text()), json.loads(b_path.read_text())
    if len(a) != len(b):
        raise ValueError(f"{a_path} has {len(a)} docs, {b_path} {len(b)}")
    result: dict[str, float] = {}
    for kind in ("tag", "morph", "head", "dep", "ent"):
        same = total = 0
        for doc_a, doc_b in zip(a, b):
            same += sum(x == y for x, y in zip(doc_a[kind], doc_b[kind]))
            total += max(len(doc_a[kind]), len(doc_b[kind]))
        result[kind] = 100.0 * same / max(total, 1)
    return result
