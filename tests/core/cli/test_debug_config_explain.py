"""`plait debug config --show-functions --show-variables` (issue 13): where each
@ function of a config comes from and what each ${...} became."""

from __future__ import annotations

from conftest import run_plait

FUNCTIONS = '''
import plait

@plait.registry.callbacks("test_explain.shout.v1")
def make_shout():
    """Shout the language name."""
    def shout(lang_cls):
        return lang_cls
    return shout
'''


def test_functions_and_variables_are_spelled_out(tmp_path):
    config = tmp_path / "config.cfg"
    assert run_plait("init", "config", str(config), "--pipeline", "tagger").returncode == 0
    text = config.read_text()
    assert "before_creation = null\n" in text
    text = text.replace("before_creation = null\n", "", 1)
    config.write_text(text + '\n[nlp.before_creation]\n@callbacks = "test_explain.shout.v1"\n')
    functions = tmp_path / "functions.py"
    functions.write_text(FUNCTIONS)
    result = run_plait("debug", "config", str(config), "--code", str(functions), "--show-functions",
                       "--show-variables", "--paths.train", "corpus/train.plait")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[components.tagger.model] @architectures = plait.Tagger.v2" in out
    assert "plait-pipes: plait_pipes.architectures.tagger.build_tagger_model (" in out
    assert "[nlp.tokenizer] @tokenizers = plait.Tokenizer.v1" in out and "plait: plait.tokenizer" in out
    # A function from --code names its file and line.
    assert "@callbacks = test_explain.shout.v1" in out and f"{functions}:" in out
    assert "corpora.train.path = ${paths.train} -> 'corpus/train.plait'" in out
    assert "corpora.dev.path = ${paths.dev} -> None" in out
