"""Every registered name loads, and the registries hold what we expect.

The parametrized test imports each entry point of every plait distribution
installed here, so a typo in a pyproject.toml fails a test, not a user. The
snapshot catches names that disappear or collide between plugins.
"""

from __future__ import annotations

from collections import Counter

import pytest
from plait import _entry_points, registry

OUR_DISTRIBUTIONS = {"plait", "plait-pipes", "plait-readers", "plait-augmenters"}


def _ours() -> list[tuple[str, str, str]]:
    rows = []
    for group, eps in _entry_points.groups().items():
        for dist, ep in eps:
            if dist in OUR_DISTRIBUTIONS:
                rows.append((dist, group, ep.name))
    return sorted(rows)


@pytest.mark.parametrize(("dist", "group", "name"), _ours(), ids=lambda v: str(v))
def test_entry_point_loads(dist, group, name):
    if group == "plait":
        from plait._hooks import plugin_manager

        names = [n for n, _ in plugin_manager().list_name_plugin()]
        assert f"{dist}:{name}" in names
        return
    reg = getattr(registry, group.removeprefix("plait_"))
    assert reg.get(name) is not None


def test_no_name_registered_by_two_distributions():
    seen = Counter((group, ep.name) for group, eps in _entry_points.groups().items() for _, ep in eps)
    assert [key for key, count in seen.items() if count > 1] == []


EXPECTED = {
    "factories": {"tok2vec", "tagger", "morphologizer", "senter", "sentencizer", "trainable_lemmatizer",
                  "lemmatizer", "textcat", "textcat_multilabel", "entity_ruler"},
    "architectures": {"plait.HashEmbedCNN.v2", "plait.Tok2Vec.v2", "plait.MultiHashEmbed.v2",
                      "plait.MaxoutWindowEncoder.v2", "plait.Tok2VecListener.v1", "plait.Tagger.v2",
                      "plait.TextCatEnsemble.v2", "plait.TextCatBOW.v3", "plait.TextCatCNN.v2"},
    "readers": {"plait.Corpus.v1", "plait.read_labels.v1", "srsly.read_json.v1", "srsly.read_jsonl.v1",
                "plait.JsonlCorpus.v1", "plait.JsonlExamples.v1"},
    "batchers": {"plait.batch_by_words.v1", "plait.batch_by_sequence.v1", "plait.batch_by_padded.v1"},
    "loggers": {"plait.ConsoleLogger.v1"},
    "augmenters": {"plait.orth_variants.v1", "plait.lower_case.v1", "plait.combined_augmenter.v1"},
    "languages": {"en", "xx"},
    "tokenizers": {"plait.Tokenizer.v1"},
    "converters": {"conllu", "iob", "ner", "jsonl"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_registry_snapshot(name):
    missing = EXPECTED[name] - set(getattr(registry, name).names())
    assert not missing, f"registry {name} lacks {sorted(missing)}"


def test_missing_factory_hint_depends_on_what_is_installed():
    from plait._registry import _provider_hint

    # plait-pipes is installed here but has no parser yet: no "pip install" advice.
    hint = _provider_hint("parser")
    assert "does not provide it" in hint and "pip install" not in hint
    assert _provider_hint("plait.WandbLogger.v1") == (
        " It is provided by 'plait-loggers-wandb': run `pip install plait-loggers-wandb`."
    )
    assert _provider_hint("my_own_thing") == ""
