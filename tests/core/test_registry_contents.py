"""Every registered name loads, and the registries hold what we expect.

The parametrized test imports each entry point of every plait distribution
installed here, so a typo in a pyproject.toml fails a test, not a user. The
snapshot catches names that disappear or collide between plugins.
"""

from __future__ import annotations

from collections import Counter

import pytest
from plait import registry
from plait.plugins import _entry_points

OUR_DISTRIBUTIONS = {"plait", "plait-pipes", "plait-readers", "plait-augmenters", "plait-loggers-wandb"}


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
        from plait.plugins._hooks import plugin_manager

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
                  "lemmatizer", "textcat", "textcat_multilabel", "entity_ruler", "parser", "beam_parser",
                  "ner", "beam_ner"},
    "architectures": {"plait.HashEmbedCNN.v2", "plait.Tok2Vec.v2", "plait.MultiHashEmbed.v2",
                      "plait.MaxoutWindowEncoder.v2", "plait.MaxoutWindowEncoder.v3",
                      "plait.Tok2VecListener.v1", "plait.Tagger.v2",
                      "plait.TextCatEnsemble.v2", "plait.TextCatBOW.v3", "plait.TextCatCNN.v2",
                      "plait.TransitionBasedParser.v2"},
    "readers": {"plait.Corpus.v1", "plait.read_labels.v1", "srsly.read_json.v1", "srsly.read_jsonl.v1",
                "plait.JsonlCorpus.v1", "plait.JsonlExamples.v1"},
    "batchers": {"plait.batch_by_words.v1", "plait.batch_by_sequence.v1", "plait.batch_by_padded.v1"},
    "loggers": {"plait.ConsoleLogger.v1", "plait.WandbLogger.v1"},
    "augmenters": {"plait.orth_variants.v1", "plait.lower_case.v1", "plait.combined_augmenter.v1"},
    "languages": {"en", "xx"},
    "tokenizers": {"plait.Tokenizer.v1"},
    "converters": {"conllu", "iob", "ner", "jsonl"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_registry_snapshot(name):
    missing = EXPECTED[name] - set(getattr(registry, name).names())
    assert not missing, f"registry {name} lacks {sorted(missing)}"


# Names the providers table maps to a distribution before it registers them.
PENDING: set[tuple[str, str]] = set()


def test_providers_table_lists_only_what_each_distribution_provides():
    from plait.plugins._registry import PROVIDERS

    groups = _entry_points.groups()
    wrong = []
    for reg_name, names in PROVIDERS.items():
        for name, dist in names.items():
            provided = {ep.name for d, ep in groups.get(f"plait_{reg_name}", []) if d == dist}
            if name not in provided and (reg_name, name) not in PENDING:
                wrong.append((reg_name, name, dist))
    assert wrong == []


def test_missing_name_hint_depends_on_what_is_installed(monkeypatch):
    from plait.plugins import _registry

    # Installed but not (yet) providing it: no install advice at all.
    monkeypatch.setitem(_registry.PROVIDERS["factories"], "no_such_pipe", "plait-pipes")
    hint = _registry.provider_hint("factories", "no_such_pipe")
    assert "does not provide it" in hint and "pip install" not in hint and "install it" not in hint
    # Not installed: the hint names the folder of the plait repository, never
    # `pip install` of a name that no package index serves.
    monkeypatch.setitem(_registry.REPO_FOLDERS, "plait-not-installed", "plugins/nothing")
    monkeypatch.setitem(_registry.PROVIDERS["factories"], "nothing", "plait-not-installed")
    hint = _registry.provider_hint("factories", "nothing")
    assert "plugins/nothing in the plait repository" in hint and "pip install" not in hint
    assert _registry.provider_hint("factories", "my_own_thing") == ""
    # The same name in another registry is another function.
    assert _registry.provider_hint("converters", "tagger") == ""


def test_missing_factory_error_names_the_provider(monkeypatch):
    from plait.errors import RegistryError
    from plait.plugins import _registry

    monkeypatch.setitem(_registry.PROVIDERS["factories"], "no_such_pipe", "plait-pipes")
    with pytest.raises(RegistryError, match="belongs to plait-pipes"):
        registry.factories.get("no_such_pipe")


def _factory_entry_points() -> list[tuple[str, str]]:
    return sorted((dist, ep.name) for dist, ep in _entry_points.groups().get("plait_factories", [])
                  if dist in OUR_DISTRIBUTIONS)


@pytest.mark.parametrize(("dist", "name"), _factory_entry_points(), ids=lambda v: str(v))
def test_factory_entry_point_name_is_the_factory_name(dist, name):
    # Language.factory records the name the factory registers itself under;
    # an entry point listed under another name would create components whose
    # meta (and config) name a factory that does not exist.
    from plait.language import Language

    func = registry.factories.get(name)
    meta = getattr(func, "__plait_factory_meta__", None)
    assert meta is not None, f"{dist}: entry point '{name}' is not decorated with Language.factory"
    assert meta.factory == name
    assert Language.get_factory_meta(name).factory == name
