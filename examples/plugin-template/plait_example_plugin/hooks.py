"""pluggy hooks of the plugin. Keep this module cheap to import: it is
imported whenever `plait` starts, so heavy imports go inside commands."""

from __future__ import annotations

from typing import Any

import click
from plait.hookspecs import hookimpl


@hookimpl
def register_commands(cli: Any) -> None:
    """Add `plait example-stats`."""

    @cli.command("example-stats")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def example_stats(path: str) -> None:
        """Count the documents, tokens and tags of a .plait file (added by plait-example-plugin)."""
        from plait.tokens import DocBin
        from plait.vocab import Vocab

        docs = list(DocBin().from_disk(path).get_docs(Vocab()))
        tags = {token.tag_ for doc in docs for token in doc if token.tag_}
        click.echo(f"{path}: {len(docs)} documents, {sum(len(d) for d in docs)} tokens, {len(tags)} tags")
