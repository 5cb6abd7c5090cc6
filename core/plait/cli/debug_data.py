"""`plait debug data`: statistics and problems of a config's training and dev data.

Reads the corpora the config names (``[training] train_corpus`` /
``dev_corpus``) with the pipeline the config builds, prints the stats and
runs the checks in ``plait.training.data_checks``; exits 1 when an error is
found. ``--verbose`` shows examples of each problem.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

import click

from ._options import CONFIG_COMMAND_SETTINGS, code_option, config_overrides, verbose_option

# Factories whose checks (non-projective trees, arc labels under
# min_action_freq; entity types with few examples) apply to a component.
PARSER_FACTORIES = ("parser", "beam_parser")
NER_FACTORIES = ("ner", "beam_ner")
# How much of a streamed ([training] max_epochs = -1) train corpus `debug data` reads.
STREAM_SAMPLE_SIZE = 10_000


def debug_data(
    config_path: str | Path,
    *,
    overrides: dict[str, Any] | None = None,
    code_paths: tuple[str, ...] | list[str] = (),
    verbose: bool = False,
    stdout: TextIO | None = None,
) -> int:
    """Check a config's corpora; print the report. RETURNS (int): 1 if errors were found, else 0.

    config_path (str | Path): the config ("-" for stdin).
    overrides (dict): ``{"section.key": value}`` overrides.
    code_paths (list[str]): Python files to import first.
    verbose (bool): show examples of each problem.
    """
    from ..config import import_code, load_config, validate_config
    from ..language import Language, get_lang_class
    from ..training import data_checks as checks
    from ..training.initialize import resolve_dot_names

    out = stdout or sys.stdout
    import_code(list(code_paths))
    config = load_config(config_path, overrides or {})
    # The checks `plait train` runs first; like train, a partial config is
    # completed from plait's defaults ([corpora], [training]...).
    validate_config(config, source=getattr(config, "source", str(config_path)))
    lang = (config.get("nlp") or {}).get("lang")
    nlp = (get_lang_class(lang) if lang else Language).from_config(config, auto_fill=True)
    resolved = nlp.config.interpolate()
    training = resolved.get("training", {})
    readers = {key: resolve_dot_names(resolved, key, training.get(key, f"corpora.{key[:-7]}"))
               for key in ("train_corpus", "dev_corpus")}
    examples = {key: list(reader(nlp)) for key, reader in readers.items() if key != "train_corpus"}
    train_reader = readers["train_corpus"]
    if int(training.get("max_epochs", 0) or 0) == -1:
        # A streamed train corpus may never end: the statistics describe a sample.
        from itertools import islice

        examples["train_corpus"] = list(islice(train_reader(nlp), STREAM_SAMPLE_SIZE + 1))
        if len(examples["train_corpus"]) > STREAM_SAMPLE_SIZE:
            examples["train_corpus"].pop()
            out.write(f"The train corpus is streamed ([training] max_epochs = -1) and may not end: "
                      f"the statistics below describe its first {STREAM_SAMPLE_SIZE:,} examples.\n")
    else:
        examples["train_corpus"] = list(train_reader(nlp))
    examples = {key: examples[key] for key in ("train_corpus", "dev_corpus")}
    factories = {name: nlp.config["components"].get(name, {}).get("factory") for name in nlp.pipe_names}
    parsers = [name for name, f in factories.items() if f in PARSER_FACTORIES]
    ners = [name for name, f in factories.items() if f in NER_FACTORIES]
    problems: list[checks.Problem] = []
    stats = {}
    parses: dict[str, checks.ParseStats] = {}
    ents: dict[str, checks.NerStats] = {}
    for key, egs in examples.items():
        where = key[:-7]
        refs = [eg.reference for eg in egs]
        stats[where] = checks.corpus_stats(refs)
        parses[where] = checks.parse_stats(refs)
        ents[where] = checks.ner_stats(egs)
        if not refs:
            problems.append(checks.Problem("error", f"the {where} corpus ([training] {key}) is empty"))
        problems += checks.entity_problems(refs, where)
        problems += checks.ner_problems(ents[where], where)
        problems += checks.tree_problems(refs, where, parses[where])
        problems += checks.length_problems(stats[where], where)
        problems += checks.alignment_problems(
            (([t.text for t in eg.reference], [t.text for t in eg.predicted]) for eg in egs), where)
    skip = ({"dep"} if parsers else set()) | ({"ner"} if ners else set())
    problems += checks.label_problems(stats["train"], stats["dev"], skip_low_data=skip)
    for name in parsers:
        min_freq = int(nlp.config["components"][name].get("min_action_freq") or 0)
        problems += checks.parser_label_problems(parses["train"], min_freq, name)
    for name in ners:
        problems += checks.ner_label_problems(ents["train"], checks.LOW_DATA["ner"], name)
    problems += checks.overlap_problems(stats["train"], stats["dev"])

    def say(line: str = "") -> None:
        print(line, file=out)

    say("=== Data stats ===")
    say(f"Pipeline: {', '.join(nlp.pipe_names) or '(no components)'}")
    for where, st in stats.items():
        lengths = st.sent_lengths or [0]
        say(f"{where}: {st.n_docs} docs, {st.n_words} words, {len(st.sent_lengths)} sentences "
            f"(length min {min(lengths)}, mean {sum(lengths) / len(lengths):.1f}, max {max(lengths)})")
        for layer, counts in st.labels.items():
            if counts:
                top = ", ".join(f"{label} ({n})" for label, n in counts.most_common(10 if not verbose else None))
                say(f"  {layer}: {len(counts)} labels: {top}")
        ps = parses[where]
        if ps.n_trees:
            say(f"  trees: {ps.n_trees} ({ps.n_arcs} arcs), {ps.nonproj_trees} non-projective "
                f"({ps.nonproj_arcs} arcs), {ps.missing_heads} tokens without a head, "
                f"{len(ps.labels)} arc labels after lifting")
        es = ents[where]
        if es.annotated_docs:
            say(f"  entities: {es.n_ents} of {len(es.types)} types in {es.annotated_docs} docs, "
                f"{es.missing_tokens} tokens with missing annotation, {es.unannotated_docs} docs "
                f"without entity annotation, {es.n_misaligned} crossing the pipeline's tokens")
    say()
    say("=== Problems ===")
    n_errors = sum(p.severity == "error" for p in problems)
    for p in problems:
        say(f"{'✘ error' if p.severity == 'error' else '⚠ warning'}: {p.message}")
        if verbose:
            for ex in p.examples[:10]:
                say(f"    {ex}")
    n_warn = len(problems) - n_errors
    say(f"{n_errors} error(s), {n_warn} warning(s)" if problems else "✔ no problems found")
    return 1 if n_errors else 0


@click.command("data", context_settings=CONFIG_COMMAND_SETTINGS,
               short_help="Check training and dev data for problems.")
@click.argument("config_path", type=str)
@code_option
@verbose_option
@click.pass_context
def debug_data_cli(ctx: click.Context, config_path: str, code_paths: tuple[str, ...], verbose: bool) -> None:
    """Show stats of the corpora CONFIG_PATH names and the problems found (exit 1 on errors)."""
    code = debug_data(config_path, overrides=config_overrides(ctx), code_paths=code_paths, verbose=verbose)
    ctx.exit(code)
