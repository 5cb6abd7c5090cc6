"""Pipeline management: add_pipe positions and errors, select_pipes, rename/replace/remove."""

from __future__ import annotations

import plait
import pytest
from plait.errors import RegistryError, UsageError
from plait.language import Language


@pytest.fixture
def nlp() -> Language:
    return plait.blank("en")


def test_blank_english_tokenizes(nlp):
    assert nlp.lang == "en"
    assert [t.text for t in nlp("Hello world, don't!")] == ["Hello", "world", ",", "do", "n't", "!"]
    assert nlp.pipe_names == []


def test_add_pipe_positions(nlp):
    nlp.add_pipe("test_exclaimer", name="a")
    nlp.add_pipe("test_exclaimer", name="c")
    nlp.add_pipe("test_exclaimer", name="b", before="c")
    nlp.add_pipe("test_exclaimer", name="first", first=True)
    nlp.add_pipe("test_exclaimer", name="d", after="c")
    nlp.add_pipe("test_exclaimer", name="z", last=True)
    nlp.add_pipe("test_exclaimer", name="i1", before=1)
    assert nlp.pipe_names == ["first", "i1", "a", "b", "c", "d", "z"]
    doc = nlp("Hi there")
    assert doc.user_data["seen"] == [f"{n}!" for n in nlp.pipe_names]


def test_add_pipe_config_overrides_default(nlp):
    proc = nlp.add_pipe("test_exclaimer", config={"suffix": "?"})
    assert proc.suffix == "?"
    assert nlp.config["components"]["test_exclaimer"] == {"factory": "test_exclaimer", "suffix": "?"}
    assert nlp.get_pipe_config("test_exclaimer")["suffix"] == "?"


def test_add_pipe_unknown_factory_suggests(nlp):
    with pytest.raises(RegistryError) as err:
        nlp.add_pipe("test_exclaimr")
    assert "test_exclaimr" in str(err.value) and "test_exclaimer" in str(err.value)


def test_add_pipe_missing_builtin_names_distribution():
    # Without plugins (autoload off) the kernel alone has no 'parser', and
    # the error names the distribution that provides it.
    import os
    import subprocess
    import sys

    code = (
        "import plait\n"
        "from plait.errors import RegistryError\n"
        "try:\n    plait.blank('en').add_pipe('parser')\n"
        "except RegistryError as err:\n    print(err)\n"
    )
    env = {**os.environ, "PLAIT_DISABLE_PLUGIN_AUTOLOAD": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    assert "parser" in out.stdout and "plait-pipes" in out.stdout, out.stdout + out.stderr


def test_add_pipe_duplicate_name(nlp):
    nlp.add_pipe("test_exclaimer")
    with pytest.raises(UsageError, match="already exists"):
        nlp.add_pipe("test_exclaimer")


@pytest.mark.parametrize("kwargs", [{"before": "nope"}, {"after": "nope"}])
def test_add_pipe_before_after_missing(nlp, kwargs):
    nlp.add_pipe("test_exclaimer", name="present")
    with pytest.raises(UsageError) as err:
        nlp.add_pipe("test_count_tokens", **kwargs)
    assert "'nope'" in str(err.value) and "present" in str(err.value)


def test_add_pipe_two_positions(nlp):
    nlp.add_pipe("test_exclaimer")
    with pytest.raises(UsageError, match="only one of"):
        nlp.add_pipe("test_count_tokens", first=True, after="test_exclaimer")


def test_add_pipe_out_of_range_index(nlp):
    nlp.add_pipe("test_exclaimer")
    with pytest.raises(UsageError, match="out of range"):
        nlp.add_pipe("test_count_tokens", before=5)


def test_add_pipe_rejects_callable(nlp):
    with pytest.raises(UsageError, match="registered factory"):
        nlp.add_pipe(lambda doc: doc)


def test_add_pipe_bad_setting(nlp):
    with pytest.raises(Exception) as err:
        nlp.add_pipe("test_exclaimer", config={"sufix": "?"})
    assert "sufix" in str(err.value)


def test_component_decorator(nlp):
    nlp.add_pipe("test_count_tokens")
    assert nlp("a b c").user_data["n_tokens"] == 3
    meta = Language.get_factory_meta("test_count_tokens")
    assert meta.factory == "test_count_tokens"


def test_factory_meta(nlp):
    meta = Language.get_factory_meta("test_cap_tagger")
    assert meta.assigns == ["token.tag"]
    assert meta.default_score_weights == {"cap_acc": 1.0}
    from plait.language import Language as L

    assert L.get_factory_meta("test_cap_tagger") is meta
    func = plait.registry.factories.get("test_cap_tagger")
    assert func.__plait_factory_meta__ is meta


def test_factory_default_config_may_not_set_nlp():
    with pytest.raises(UsageError, match="may not set 'nlp'"):
        Language.factory("test_bad_default", default_config={"nlp": 1}, func=lambda nlp, name: None)


def test_select_pipes_context_manager(nlp):
    for n in ("a", "b", "c"):
        nlp.add_pipe("test_exclaimer", name=n)
    with nlp.select_pipes(disable=["a", "c"]) as disabled:
        assert list(disabled) == ["a", "c"]
        assert nlp.pipe_names == ["b"]
        assert nlp.component_names == ["a", "b", "c"]
        assert nlp("x").user_data["seen"] == ["b!"]
    assert nlp.pipe_names == ["a", "b", "c"]
    disabled = nlp.select_pipes(enable="b")
    assert nlp.pipe_names == ["b"] and nlp.disabled == ["a", "c"]
    disabled.restore()
    assert nlp.disabled == []


def test_select_pipes_errors(nlp):
    nlp.add_pipe("test_exclaimer", name="a")
    nlp.add_pipe("test_exclaimer", name="b")
    with pytest.raises(UsageError, match="'x'"):
        nlp.select_pipes(disable=["x"])
    with pytest.raises(UsageError, match="disagree"):
        nlp.select_pipes(disable=["a"], enable=["a"])
    with pytest.raises(UsageError):
        nlp.select_pipes()


def test_enable_disable_pipe(nlp):
    nlp.add_pipe("test_exclaimer", name="a")
    nlp.disable_pipe("a")
    assert nlp.pipe_names == [] and nlp.disabled == ["a"]
    assert nlp.config["nlp"]["disabled"] == ["a"]
    nlp.enable_pipe("a")
    assert nlp.pipe_names == ["a"]
    with pytest.raises(UsageError, match="no component 'b'"):
        nlp.disable_pipe("b")


def test_rename_replace_remove(nlp):
    nlp.add_pipe("test_exclaimer", name="a")
    nlp.add_pipe("test_count_tokens", name="b")
    nlp.rename_pipe("a", "x")
    assert nlp.pipe_names == ["x", "b"]
    assert nlp.get_pipe("x").name == "x"
    assert "x" in nlp.config["components"] and "a" not in nlp.config["components"]
    with pytest.raises(UsageError, match="already exists"):
        nlp.rename_pipe("x", "b")
    nlp.replace_pipe("x", "test_exclaimer", config={"suffix": "?"})
    assert nlp.pipe_names == ["x", "b"] and nlp.get_pipe("x").suffix == "?"
    name, proc = nlp.remove_pipe("b")
    assert name == "b" and nlp.pipe_names == ["x"]
    assert not nlp.has_pipe("b")
    with pytest.raises(UsageError, match="no component 'b'"):
        nlp.get_pipe("b")


def test_pipe_batches_and_tuples(nlp):
    nlp.add_pipe("test_count_tokens")
    texts = ["one two", "three", "four five six"]
    docs = list(nlp.pipe(texts, batch_size=2))
    assert [d.user_data["n_tokens"] for d in docs] == [2, 1, 3]
    pairs = list(nlp.pipe([(t, i) for i, t in enumerate(texts)], as_tuples=True))
    assert [(d.text, c) for d, c in pairs] == [(t, i) for i, t in enumerate(texts)]


def test_call_disable_and_component_returning_none(nlp):
    @Language.component("test_returns_none")
    def returns_none(doc):
        return None

    nlp.add_pipe("test_exclaimer")
    assert "seen" not in nlp("x", disable=["test_exclaimer"]).user_data
    nlp.add_pipe("test_returns_none")
    with pytest.raises(UsageError, match="returned None"):
        nlp("x")


def test_max_length(nlp):
    nlp.max_length = 5
    with pytest.raises(UsageError, match="max_length"):
        nlp("abcdefgh")


def test_add_pipe_from_source_copies_weights(ewt_train_words):
    from language_components import cap_examples

    src = plait.blank("en")
    src.add_pipe("test_cap_tagger", name="cap")
    examples = cap_examples(src, ewt_train_words[:40])
    src.initialize(lambda: examples)
    dest = plait.blank("en")
    dest.add_pipe("cap", source=src, name="capitals")
    assert dest.pipe_names == ["capitals"]
    assert dest.get_pipe("capitals") is not src.get_pipe("cap")
    assert dest.get_pipe_meta("capitals").factory == "test_cap_tagger"
    text = "Alice met Bob in Paris"
    assert [t.tag_ for t in dest(text)] == [t.tag_ for t in src(text)]
    assert dest.config["components"]["capitals"]["factory"] == "test_cap_tagger"
    with pytest.raises(UsageError, match="no component 'missing'"):
        dest.add_pipe("missing", source=src)
