"""`plait info --registry`: where each registered function comes from (issue 13)."""

from __future__ import annotations

import json

from conftest import run_plait


def test_a_registry_lists_names_distributions_and_signatures():
    result = run_plait("info", "--registry", "loggers", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    console = rows["plait.ConsoleLogger.v1"]
    assert console["distribution"] == "plait"
    assert console["signature"].startswith("plait.ConsoleLogger.v1(progress_bar")
    assert console["doc"]
    text = run_plait("info", "--registry", "optimizers")
    assert text.returncode == 0, text.stderr
    assert "Adam.v1  [thinc]" in text.stdout  # thinc's own registries are listed too


def test_without_a_name_the_registries_and_their_sizes():
    result = run_plait("info", "--registry", "--json")
    assert result.returncode == 0, result.stderr
    sizes = json.loads(result.stdout)
    assert sizes["architectures"] >= 11 and sizes["factories"] >= 14 and "schedules" in sizes


def test_an_unknown_registry_is_named_with_the_close_one():
    result = run_plait("info", "--registry", "logers")
    assert result.returncode != 0
    assert "no such registry. Did you mean 'loggers'?" in result.stderr and "Traceback" not in result.stderr


def test_plugin_registrations_name_their_distribution():
    from plait.plugins._inspect import describe_registry

    rows = {row["name"]: row for row in describe_registry("architectures")}
    assert rows["plait.Tagger.v2"]["distribution"] == "plait-pipes"
    assert rows["plait.Tagger.v2"]["signature"].startswith("plait.Tagger.v2(tok2vec")
