"""The kernel's own commands, added through the same hook a plugin uses.

Only names, import paths and one-line help live here, so listing commands
imports nothing.
"""

from __future__ import annotations

import click

from ..hookspecs import hookimpl

TOP_LEVEL = {
    "train": ("plait.cli.train:train_cli", "Train a pipeline from a config."),
    "evaluate": ("plait.cli.evaluate:evaluate_cli", "Evaluate a trained pipeline on a corpus."),
    "convert": ("plait.cli.convert:convert_cli", "Convert CoNLL-U, IOB or JSONL files to .plait."),
    "info": ("plait.cli.info:info_cli", "Show versions, installed plugins and what they register."),
    "package": ("plait.cli.package:package_cli", "Turn a trained pipeline into an installable Python package."),
    "apply": ("plait.cli.apply:apply_cli", "Annotate files with a trained pipeline; save the Docs as .plait."),
    "assemble": ("plait.cli.assemble:assemble_cli", "Build a pipeline from a config without training."),
    "find-threshold": ("plait.cli.find_threshold:find_threshold_cli",
                       "The threshold of a component that maximises a score."),
    "pretrain": ("plait.cli.pretrain:pretrain_cli", "Pretrain a tok2vec layer on raw text ([pretraining])."),
}
INIT = {
    "config": ("plait.cli.init_config:init_config_cli", "Generate a starter config for a pipeline."),
    "fill-config": ("plait.cli.fill_config:fill_config_cli", "Fill every default into a partial config."),
    "labels": ("plait.cli.init_labels:init_labels_cli", "Write the label files of a config's components."),
    "vectors": ("plait.cli.init_vectors:init_vectors_cli", "Create a pipeline folder holding word vectors."),
}
BENCHMARK = {
    "speed": ("plait.cli.benchmark:speed_cli", "Words/s of a trained pipeline, with a confidence interval."),
    "accuracy": ("plait.cli.evaluate:evaluate_cli", "Evaluate a trained pipeline on a corpus (= evaluate)."),
}
DEBUG = {
    "data": ("plait.cli.debug_data:debug_data_cli", "Check training and dev data for problems."),
    "config": ("plait.cli.debug_config:debug_config_cli", "Check a config as plait train would, without training."),
    "diff-config": ("plait.cli.debug_diff:debug_diff_config_cli",
                    "Show how a config differs from the default config for its pipeline."),
    "model": ("plait.cli.debug_model:debug_model_cli",
              "A component's layer tree, shapes and parameters; one forward/backward pass."),
}


@hookimpl
def register_commands(cli: click.Group) -> None:
    for name, (path, help_text) in TOP_LEVEL.items():
        cli.add_lazy_command(name, path, help_text)  # type: ignore[attr-defined]
    groups = {"init": INIT, "debug": DEBUG, "benchmark": BENCHMARK}
    for group_name, table in groups.items():
        group = cli.commands[group_name]
        for name, (path, help_text) in table.items():
            group.add_lazy_command(name, path, help_text)  # type: ignore[attr-defined]
