"""`plait debug diff-config`: a config against the default for its pipeline (issue 13)."""

from __future__ import annotations

import pytest
from conftest import run_plait
from plait.cli.debug_diff import debug_diff_config, format_diff
from plait.cli.init_config import init_config


def _user_config() -> str:
    """The default for tok2vec,tagger with two values changed, one key left
    out (filled back from the defaults) and a [pretraining] setting."""
    text = init_config(lang="en", pipeline=["tok2vec", "tagger"]).to_str()
    for old, new in [("max_epochs = 0", "max_epochs = 5"), ("learn_rate = 0.001", "learn_rate = 0.01"),
                     ("dropout = 0.1\n", ""), ("[pretraining]", "[pretraining]\nmax_epochs = 3")]:
        assert old in text
        text = text.replace(old, new, 1)
    return text


def _changes(diff):
    return {(c.section, c.key): (c.kind, c.old, c.new) for c in diff.changes}


def test_the_default_config_itself_has_no_differences(tmp_path):
    path = tmp_path / "default.cfg"
    path.write_text(init_config(lang="en", pipeline=["tagger", "morphologizer"], optimize="accuracy").to_str())
    diff = debug_diff_config(str(path), optimize="accuracy")
    assert diff.changes == []
    assert "tok2vec,tagger,morphologizer --optimize accuracy" in diff.command
    # The same config against the efficiency default: the wider, deeper encoder.
    changes = _changes(debug_diff_config(str(path), optimize="efficiency"))
    assert changes[("components.tok2vec.model.encode", "width")] == ("changed", 96, 256)
    assert changes[("components.tok2vec.model.encode", "depth")] == ("changed", 4, 8)


def test_changed_added_and_removed_keys_of_a_partial_config(tmp_path):
    path = tmp_path / "config.cfg"
    path.write_text(_user_config())
    diff = debug_diff_config(str(path))
    changes = _changes(diff)
    assert changes[("training", "max_epochs")] == ("changed", 0, 5)
    assert changes[("training.optimizer", "learn_rate")] == ("changed", 0.001, 0.01)
    # Keys left out are filled from the defaults first: no difference.
    assert ("training", "dropout") not in changes
    # [pretraining] is compared only with --pretraining.
    assert not any(section.startswith("pretraining") for section, _ in changes)
    with_pretraining = _changes(debug_diff_config(str(path), pretraining=True))
    # ... against the defaults `plait init config --pretraining` writes.
    assert with_pretraining[("pretraining", "max_epochs")] == ("changed", 1000, 3)
    assert not [key for key in with_pretraining if key[0].startswith("pretraining") and key[1] != "max_epochs"]
    text = format_diff(diff, source="config.cfg")
    assert "2 changed, 0 added, 0 removed" in text
    assert " [training]\n-max_epochs = 0\n+max_epochs = 5" in text
    markdown = format_diff(diff, markdown=True)
    assert markdown.startswith("## Config diff") and "```diff\n [training]" in markdown


def test_component_names_other_than_their_factory_are_compared(tmp_path):
    path = tmp_path / "config.cfg"
    path.write_text('[nlp]\nlang = "en"\npipeline = ["pos"]\n\n[components]\n\n'
                    '[components.pos]\nfactory = "tagger"\nlabel_smoothing = 0.2\n')
    changes = _changes(debug_diff_config(str(path)))
    assert changes[("components.pos", "label_smoothing")] == ("changed", 0.05, 0.2)
    assert not any(section.startswith("components.tagger") for section, _ in changes)


def test_configs_without_a_pipeline_or_with_an_unknown_factory_are_refused(tmp_path):
    import pytest
    from plait.errors import ConfigError

    no_nlp = tmp_path / "no_nlp.cfg"
    no_nlp.write_text("[paths]\ntrain = null\n")
    with pytest.raises(ConfigError, match=r"no \[nlp\] section"):
        debug_diff_config(str(no_nlp))
    unknown = tmp_path / "unknown.cfg"
    unknown.write_text('[nlp]\nlang = "en"\npipeline = ["tager"]\n\n[components]\n\n'
                       '[components.tager]\nfactory = "tager"\n')
    with pytest.raises(ConfigError, match="tager"):
        debug_diff_config(str(unknown))


@pytest.mark.slow  # two `plait` processes (~2-3 s each on a loaded machine)
def test_cli_prints_the_diff_and_refuses_a_config_without_a_pipeline(tmp_path):
    path = tmp_path / "config.cfg"
    path.write_text(_user_config())
    result = run_plait("debug", "diff-config", str(path), "--markdown", "--training.max_epochs", "7")
    assert result.returncode == 0, result.stderr
    assert "+max_epochs = 7" in result.stdout and result.stdout.rstrip().endswith("```")
    no_pipeline = tmp_path / "no_pipeline.cfg"
    no_pipeline.write_text('[nlp]\nlang = "en"\n')
    refused = run_plait("debug", "diff-config", str(no_pipeline))
    assert refused.returncode == 1
    assert "[nlp] pipeline: missing" in refused.stderr and "Traceback" not in refused.stderr
