"""The registry contracts: what each kind of registered function returns.

One ``typing.Protocol`` per contract, declared here once and used as the
annotation of the built-ins (kernel and in-repo plugins), so mypy checks a
function against the contract it is registered under. A registered function
(``@readers = "plait.Corpus.v1"``) is a *factory*: called with the config's
settings, it returns the object described here.

==============  =============================  =================================
registry        the registered function        returns / is
==============  =============================  =================================
``converters``  is a :class:`Converter`        ``(source, **settings) -> Docs``
``readers``     returns a :class:`Reader`      ``(nlp) -> Examples``
``batchers``    returns a :class:`Batcher`     ``(items) -> batches``
``augmenters``  returns an :class:`Augmenter`  ``(nlp, example) -> Examples``
``loggers``     returns a :class:`Logger`      ``(nlp, stdout, stderr) -> steps``
``scorers``     returns a :class:`ScoreFunc`   ``(examples, **cfg) -> scores``
==============  =============================  =================================

Importing this module costs nothing: the data types are named for the type
checker only. The protocols are runtime-checkable because confection
validates a registered function's arguments against their annotations: any
callable passes, as it did for a ``Callable`` annotation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, TextIO, runtime_checkable

if TYPE_CHECKING:
    from ..language import Language
    from ..tokens import Doc
    from ..training.example import Example

__all__ = ["Augmenter", "Batcher", "Converter", "Finalize", "LogStep", "Logger", "Reader", "ScoreFunc"]

# What a logger's setup returns: ``log_step(info)`` gets None between
# evaluations or the info dict after one; ``finalize()`` runs at the end.
LogStep = Callable[[dict[str, Any] | None], None]
Finalize = Callable[[], None]


@runtime_checkable
class Converter(Protocol):
    """``plait convert`` format: a file (or its text, or an open file) to Docs.

    Called with keyword settings ``n_sents``, ``seg_sents``,
    ``merge_subtokens``, ``morphology``, ``skip_invalid``, ``on_invalid``,
    ``vocab`` and ``lang``; a converter takes the ones it uses and ignores
    the others (``**_: Any``).
    """

    def __call__(self, source: str | Path | TextIO, **settings: Any) -> Iterator[Doc]: ...


@runtime_checkable
class Reader(Protocol):
    """A corpus (``[corpora.train]``): the Examples of the pipeline ``nlp``,
    read again on every call (one call per epoch)."""

    def __call__(self, nlp: Language, /) -> Iterable[Example]: ...


@runtime_checkable
class Batcher(Protocol):
    """``[training.batcher]``: group a stream of items (Examples) into batches."""

    def __call__(self, items: Iterable[Any], /) -> Iterable[list[Any]]: ...


@runtime_checkable
class Augmenter(Protocol):
    """``[corpora.train] augmenter``: zero or more Examples for one Example
    (the original included if it should be kept)."""

    def __call__(self, nlp: Language, example: Example, /) -> Iterable[Example]: ...


@runtime_checkable
class Logger(Protocol):
    """``[training.logger]``: set up logging for a run; returns
    ``(log_step, finalize)``."""

    def __call__(self, nlp: Language, stdout: IO[str], stderr: IO[str], /) -> tuple[LogStep, Finalize]: ...


@runtime_checkable
class ScoreFunc(Protocol):
    """A component's ``scorer``: scores (spaCy's names: ``tag_acc``,
    ``ents_f``…) of the Examples; ``cfg`` is the Scorer's settings."""

    def __call__(self, examples: Iterable[Example], **cfg: Any) -> dict[str, Any]: ...
