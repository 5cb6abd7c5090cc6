"""Every registered architecture runs on a (stand-in) GPU: no hard-wired numpy.

Why: models must take their arrays from ``model.ops`` / ``ops.xp`` so that
``--gpu-id`` works (issue 16). CI has no GPU, so ``_fake_device.FakeDeviceOps``
plays one: it fails, as CuPy would, wherever a host numpy array meets a
device array, and records which kind of float array every layer produced.
Each pipeline below is built, initialized, updated twice (forward and
backward of every layer) and applied, on real EWT sentences.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _fake_device import DeviceArray, FakeDeviceOps, HostArrayMixed, LayerRecorder, fake_device
from thinc.api import Model, chain

N_SENTS = 24

SHARED = "tagger,morphologizer,parser,ner,textcat,senter,trainable_lemmatizer"


def _other_architectures(config: Any) -> None:
    """HashEmbedCNN, MishWindowEncoder and TextCatCNN, which no starter config uses."""
    components = config["components"]
    components["tagger"]["model"]["tok2vec"] = {
        "@architectures": "plait.HashEmbedCNN.v2", "width": 32, "depth": 2, "embed_size": 500,
        "window_size": 1, "maxout_pieces": 3, "subword_features": True, "pretrained_vectors": None,
    }
    encode = components["morphologizer"]["model"]["tok2vec"]["encode"]
    components["morphologizer"]["model"]["tok2vec"]["encode"] = {
        "@architectures": "plait.MishWindowEncoder.v2", "width": encode["width"], "depth": 2,
        "window_size": 1,
    }
    textcat = components["textcat_multilabel"]["model"]
    components["textcat_multilabel"]["model"] = {
        "@architectures": "plait.TextCatCNN.v2", "exclusive_classes": False, "nO": None,
        "tok2vec": components["morphologizer"]["model"]["tok2vec"],
    }
    assert textcat["@architectures"] == "plait.TextCatBOW.v3"


def _beams(config: Any) -> None:
    components = config["components"]
    components["parser"]["factory"] = "beam_parser"
    components["ner"]["factory"] = "beam_ner"
    for name in ("parser", "ner"):
        components[name].update({"beam_width": 4, "beam_density": 0.0001, "beam_update_prob": 1.0})


_VECTOR_WORDS = ("the", "to", "and", "a", "of", "I", "is", ".", ",", "in", "you", "it", "that", "for", "was")


def _vectors_folder() -> str:
    """A pipeline folder with a few random word vectors (built once per process)."""
    import tempfile

    import plait
    from plait.vectors import Vectors

    global _VECTORS_DIR
    if _VECTORS_DIR is None:
        nlp = plait.blank("en")
        table = np.random.default_rng(0).standard_normal((len(_VECTOR_WORDS), 12)).astype("float32")
        nlp.vocab.vectors = Vectors(data=table, keys=_VECTOR_WORDS, strings=nlp.vocab.strings)
        _VECTORS_DIR = tempfile.mkdtemp(prefix="plait-vectors-")
        nlp.to_disk(_VECTORS_DIR)
    return _VECTORS_DIR


_VECTORS_DIR: str | None = None


def _static_vectors(config: Any) -> None:
    """include_static_vectors (StaticVectors over vocab.vectors) in the tagger."""
    config["components"]["tagger"]["model"]["tok2vec"]["embed"]["include_static_vectors"] = True
    config["initialize"]["vectors"] = _vectors_folder()


# Built on the device by test_static_vectors_and_pretraining_objectives_run_on_the_device,
# not by a pipeline config.
BUILT_ELSEWHERE = {"plait.StaticVectors.v2", "plait.PretrainCharacters.v1", "plait.PretrainVectors.v1"}

def _graph(config: Any) -> None:
    """The graph-based parser and the CRF ner (issue 17) on the shared tok2vec."""
    model = config["components"]["parser"]["model"]
    config["components"]["parser"]["model"] = {
        "@architectures": "plait.BiaffineParser.v1", "arc_hidden": 32, "label_hidden": 16,
        "dropout": 0.1, "mst": True, "tok2vec": model["tok2vec"],
    }
    model = config["components"]["ner"]["model"]
    config["components"]["ner"]["model"] = {"@architectures": "plait.BILUOTagger.v1", "tok2vec": model["tok2vec"]}


def _unpadded_encoder(config: Any) -> None:
    """MaxoutWindowEncoder.v3 (windows per document, learned edge vectors) in the ner."""
    encode = config["components"]["ner"]["model"]["tok2vec"]["encode"]
    assert encode["@architectures"] == "plait.MaxoutWindowEncoder.v2"
    encode["@architectures"] = "plait.MaxoutWindowEncoder.v3"


# name -> (pipeline, optimize, separate tok2vec, edit of the config)
CASES: dict[str, tuple[str, str, bool, Any]] = {
    "efficiency-shared": (SHARED, "efficiency", False, None),
    "separate": ("tagger,parser,ner,textcat", "efficiency", True, None),
    "beam": ("parser,ner", "efficiency", False, _beams),
    "graph": ("tagger,parser,ner", "efficiency", False, _graph),
    "other-architectures": ("tagger,morphologizer,textcat_multilabel", "efficiency", True,
                            _other_architectures),
    "static-vectors": ("tagger", "efficiency", True, _static_vectors),
    "unpadded-encoder": ("tagger,ner", "efficiency", True, _unpadded_encoder),
}


def _config(case: str) -> Any:
    from plait.cli.init_config import init_config

    pipeline, optimize, separate, edit = CASES[case]
    config = init_config(lang="en", pipeline=pipeline.split(","), optimize=optimize,
                         separate_tok2vec=separate)
    if edit is not None:
        edit(config)
    return config


def _ewt(ewt_dir: Path, n: int) -> list[list[list[str]]]:
    """The first `n` sentences of EWT dev: the 10 columns of each word line."""
    sents: list[list[list[str]]] = []
    cur: list[list[str]] = []
    with open(ewt_dir / "en_ewt-ud-dev.conllu", encoding="utf8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if cur:
                    sents.append(cur)
                    cur = []
                if len(sents) >= n:
                    break
            elif line[0].isdigit() and "-" not in line.split("\t")[0] and "." not in line.split("\t")[0]:
                cur.append(line.split("\t"))
    return sents


def _examples(nlp: Any, ewt_dir: Path) -> list[Any]:
    """EWT sentences with every annotation the components learn; entities
    are the proper-noun runs (a stand-in label), cats whether it asks."""
    from plait.training import Example

    examples = []
    for sent in _ewt(ewt_dir, N_SENTS):
        words = [c[1] for c in sent]
        ents = ["B-NAME" if c[3] == "PROPN" else "O" for c in sent]
        for i in range(1, len(ents)):
            if ents[i] == "B-NAME" and ents[i - 1] in ("B-NAME", "I-NAME"):
                ents[i] = "I-NAME"
        asks = float(words[-1] == "?")
        annotation = {
            "words": words, "tags": [c[4] for c in sent], "pos": [c[3] for c in sent],
            "morphs": [c[5] if c[5] != "_" else "" for c in sent], "lemmas": [c[2] for c in sent],
            "heads": [int(c[6]) - 1 if c[6] != "0" else i for i, c in enumerate(sent)],
            "deps": [c[7] for c in sent], "entities": ents,
            "cats": {"QUESTION": asks, "OTHER": 1.0 - asks},
        }
        examples.append(Example.from_dict(nlp.make_doc(" ".join(words)), annotation))
    return examples


def _run_on_fake_device(config: Any, ewt_dir: Path) -> LayerRecorder:
    from plait.language import get_lang_class

    recorder = LayerRecorder()
    with fake_device(recorder):
        nlp = get_lang_class("en").from_config(config)
        examples = _examples(nlp, ewt_dir)
        optimizer = nlp.initialize(lambda: examples)
        for _ in range(2):
            nlp.update(examples, sgd=optimizer, drop=0.1)
        docs = list(nlp.pipe([eg.text for eg in examples], batch_size=8))
    assert len(docs) == N_SENTS
    return recorder


@pytest.mark.parametrize("case", sorted(CASES))
def test_pipeline_runs_on_the_device(case: str, ewt_dir: Path) -> None:
    recorder = _run_on_fake_device(_config(case), ewt_dir)
    assert not recorder.host, "layers produced host numpy arrays:\n" + "\n".join(recorder.host[:20])
    # The recorder saw the device at work in both directions.
    assert any("device" in kinds for kinds in recorder.kinds.values())


def test_every_registered_architecture_is_covered() -> None:
    """A new architecture of an installed distribution fails here until a
    case above builds it (functions other tests register in this process
    with @registry.architectures are not distributions' and do not count)."""
    from plait.plugins import _entry_points

    shipped = {ep.name for _, ep in _entry_points.entry_points("plait_architectures")}
    covered: set[str] = set(BUILT_ELSEWHERE)
    for case in CASES:
        covered |= set(re.findall(r'@architectures = "([^"]+)"', _config(case).to_str()))
    missing = sorted(shipped - covered)
    assert not missing, f"add a case that builds {missing} to CASES"


def test_static_vectors_and_pretraining_objectives_run_on_the_device(ewt_dir: Path) -> None:
    from plait.language import get_lang_class
    from plait.plugins._registry import registry
    from thinc.api import chain, reduce_mean

    recorder = LayerRecorder()
    with fake_device(recorder):
        config = _config("static-vectors")
        nlp = get_lang_class("en").from_config(config)
        optimizer = nlp.initialize(lambda: _examples(nlp, ewt_dir))
        docs = [eg.predicted for eg in _examples(nlp, ewt_dir)][:8]
        static = registry.architectures.get("plait.StaticVectors.v2")(nO=8, key_attr="LOWER")
        static_model = chain(static, reduce_mean())
        static_model.initialize(X=docs)
        Y, backprop = static_model.begin_update(docs)
        backprop(Y)
        tok2vec = nlp.get_pipe("tagger").model.get_ref("tok2vec")
        for name, args in (("plait.PretrainCharacters.v1", {"hidden_size": 16}),
                           ("plait.PretrainVectors.v1", {"hidden_size": 16, "loss": "L2"})):
            model = registry.architectures.get(name)(**args)(nlp.vocab, tok2vec)
            model.initialize(X=docs)
            prediction, backprop = model.begin_update(docs)
            loss, d_prediction = model.attrs["loss"](model, docs, prediction)
            backprop(d_prediction)
            model.finish_update(optimizer)
            assert loss > 0
    assert not recorder.host, "layers produced host numpy arrays:\n" + "\n".join(recorder.host[:20])
    assert "static_vectors" in recorder.kinds


# The stand-in must catch the mistakes it exists for -------------------------------


def _host_numpy_layer() -> Model:
    """A layer that adds a bias made with hard-wired numpy (the bug)."""

    def forward(model: Model, X: Any, is_train: bool) -> tuple[Any, Any]:
        bias = np.zeros(X.shape[1], dtype="float32")
        return X + bias, lambda dY: dY

    return Model("host_bias", forward)


def _host_output_layer() -> Model:
    """A layer that converts to numpy and returns a host array (the other bug)."""

    def forward(model: Model, X: Any, is_train: bool) -> tuple[Any, Any]:
        return np.tanh(np.array(X.view(np.ndarray))), lambda dY: dY

    return Model("host_output", forward)


def test_a_hard_wired_numpy_array_fails() -> None:
    recorder = LayerRecorder()
    with fake_device(recorder) as ops, pytest.raises(HostArrayMixed, match="numpy.add"):
        _host_numpy_layer()(ops.alloc2f(3, 4), is_train=False)


def test_a_layer_returning_host_arrays_is_named() -> None:
    recorder = LayerRecorder()
    with fake_device(recorder) as ops:
        model = chain(_host_output_layer(), _host_output_layer())
        model(ops.alloc2f(3, 4), is_train=False)
    assert recorder.host and recorder.host[0].startswith("host_output (forward)")


def test_ops_refuse_host_floats_and_xp_makes_device_arrays() -> None:
    ops = FakeDeviceOps()
    assert isinstance(ops.xp.zeros((2, 2)), DeviceArray)
    assert isinstance(ops.asarray(np.ones((2, 2), dtype="f")), DeviceArray)
    with pytest.raises(HostArrayMixed, match="ops.gemm"):
        ops.gemm(np.ones((2, 2), dtype="f"), ops.alloc2f(2, 2))
    assert type(ops.to_numpy(ops.alloc2f(2, 2))) is np.ndarray
