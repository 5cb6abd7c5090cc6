"""The plugin's own tests: run `python -m pytest tests` after `pip install -e .`.

They check each piece through plait's registries, as a config would reach it,
so a wrong entry point fails here too.
"""

from __future__ import annotations

import io
import json

import plait
import pytest
from plait.errors import ConfigError


def test_the_batcher_makes_batches_of_documents():
    batcher = plait.registry.batchers.get("plait_example.batch_by_docs.v1")(size=4)
    assert [len(b) for b in batcher(range(10))] == [4, 4, 2]
    with pytest.raises(ConfigError, match="size: must be at least 1"):
        plait.registry.batchers.get("plait_example.batch_by_docs.v1")(size=0)


def test_the_logger_writes_one_line_per_evaluation(tmp_path):
    setup = plait.registry.loggers.get("plait_example.JsonlLogger.v1")(path=str(tmp_path / "log.jsonl"))
    stdout = io.StringIO()
    log_step, finalize = setup(plait.blank("en"), stdout=stdout)
    log_step(None)
    log_step({"epoch": 0, "step": 20, "score": 0.5, "losses": {"tagger": 3.0}})
    finalize()
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [20]
    assert stdout.getvalue() == "step 20: score 0.500\n"


def test_the_component_and_architecture_build_in_a_pipeline():
    nlp = plait.blank("en")
    nlp.add_pipe("example_length_flagger", config={"min_length": 8})
    assert nlp("Extraordinary claims").user_data["has_long_token"]
    assert not nlp("short words").user_data["has_long_token"]
    model = plait.registry.architectures.get("plait_example.WindowTagger.v1")(width=32, nO=3)
    assert model.get_ref("output_layer").get_dim("nO") == 3
