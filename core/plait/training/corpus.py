"""Corpus readers: ``.plait`` DocBin files to streams of Examples, plus JSON readers.

``[corpora.train]`` with ``@readers = "plait.Corpus.v1"`` resolves to a
``Corpus``; calling it with the ``nlp`` object yields Examples whose
reference is the annotated Doc and whose predicted Doc is the pipeline's own
tokenization of the same text. Files are streamed chunk by chunk unless the
corpus is shuffled, and each Example's alignment is computed here, once, so
misaligned data fails at reading time with the file and document named.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Union

from pydantic import NonNegativeInt

from ..errors import DataError
from ..plugins.protocols import Augmenter, Reader
from .augmentation import GuardedAugmenter
from .data_checks import located, where
from .example import Example

FILE_TYPE = ".plait"
_PATH_HINT = (
    "Set it in the config ([paths] train / dev, used by [corpora.train] / "
    "[corpora.dev] path) or on the command line (--paths.train ./train.plait)."
)


def walk_corpus(path: Union[str, Path], file_type: str = FILE_TYPE) -> list[Path]:
    """The corpus files under ``path``: the file itself, or every file with
    the extension in the folder and its subfolders, sorted.

    path (Union[str, Path]): a file or a folder.
    file_type (str): the extension, ``.plait``.
    RETURNS (List[Path]): the files.
    RAISES (DataError): when the path does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"corpus path '{path}' does not exist. {_PATH_HINT}")
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.rglob(f"*{file_type}")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def _no_augment(nlp: Any, example: Example) -> Iterator[Example]:
    yield example


class Corpus:
    """Iterate Examples from a ``.plait`` file or a folder of them.

    path (Union[str, Path]): the file or folder.
    limit (int): stop after this many documents (0: all).
    gold_preproc (bool): use the reference words (split into sentences) as
        the predicted tokenization instead of the tokenizer.
    max_length (int): documents this long or longer are split into sentences
        (sentences still too long are skipped); 0: no limit.
    augmenter (Optional[Augmenter]):
        yields the examples to use for each example read.
    shuffle (bool): read everything and shuffle the documents.
    """

    def __init__(
        self,
        path: Union[str, Path],
        *,
        limit: NonNegativeInt = 0,
        gold_preproc: bool = False,
        max_length: NonNegativeInt = 0,
        augmenter: Augmenter | None = None,
        shuffle: bool = False,
    ) -> None:
        if path is None:
            raise DataError(f"the corpus path is None. {_PATH_HINT}")
        self.path = Path(path)
        if not self.path.exists():
            raise DataError(f"corpus path '{self.path}' does not exist. {_PATH_HINT}")
        self.limit = limit
        self.gold_preproc = gold_preproc
        self.max_length = max_length
        # Guarded: an augmented example that no longer matches its annotation
        # is re-aligned or skipped with one warning, never a fatal error.
        self.augmenter = GuardedAugmenter(augmenter) if augmenter is not None else _no_augment
        self.shuffle = shuffle

    def __call__(self, nlp: Any) -> Iterator[Example]:
        """Yield the corpus's Examples for this pipeline.

        nlp (Language): the pipeline (its ``make_doc`` and vocab are used).
        YIELDS (Example): the examples, augmented.
        """
        docs: Iterable[tuple[int, Path, Any]] = self._read_docs(nlp.vocab)
        if self.shuffle:
            docs = list(docs)
            random.shuffle(docs)
        index, loc, ref = -1, self.path, None
        # One try around the loop (free until something fails): any error while
        # making or augmenting a document's examples names that document.
        try:
            for index, loc, ref in docs:
                for eg in self._make_examples(nlp, ref, index, loc):
                    for aug in self.augmenter(nlp, eg):
                        if aug.doc_index is None:  # a new Example from the augmenter
                            aug.doc_index = index
                            aug.doc_source = loc  # type: ignore[attr-defined]  # set by readers only
                        yield aug
        except Exception as err:
            raise located(err, where(None, loc, index, ref.text if ref is not None else None))  # noqa: B904
        finally:
            if isinstance(self.augmenter, GuardedAugmenter):
                self.augmenter.warn_once()

    def _read_docs(self, vocab: Any) -> Iterator[tuple[int, Path, Any]]:
        from ..tokens import DocBin

        n = 0
        for loc in walk_corpus(self.path):
            index = -1
            try:
                for index, doc in enumerate(DocBin.iter_from_disk(loc, vocab)):
                    if not len(doc):
                        continue
                    yield index, loc, doc
                    n += 1
                    if self.limit >= 1 and n >= self.limit:
                        return
            except Exception as err:
                # Decoding document index + 1 failed: there is no text to show.
                raise located(err, where(None, loc, index + 1))  # noqa: B904

    def _make_examples(self, nlp: Any, ref: Any, index: int, loc: Path) -> Iterator[Example]:
        if self.gold_preproc:
            sents = [s.as_doc() for s in ref.sents] if ref.has_annotation("SENT_START") else [ref]
            for sent in sents:
                if len(sent):
                    yield self._example(nlp, sent, index, loc)
        elif self.max_length == 0 or len(ref) < self.max_length:
            yield self._example(nlp, ref, index, loc)
        elif ref.has_annotation("SENT_START"):
            for sent in ref.sents:
                if 0 < len(sent) < self.max_length:
                    yield self._example(nlp, sent.as_doc(), index, loc)

    def _example(self, nlp: Any, ref: Any, index: int, loc: Path) -> Example:
        if self.gold_preproc or getattr(ref, "has_unknown_spaces", False):
            from ..tokens import Doc

            pred = Doc(nlp.vocab, words=ref.words, spaces=ref.to_array("SPACY").astype(bool).tolist())
        else:
            pred = nlp.make_doc(ref.text)
        eg = Example(pred, ref, doc_index=index)
        eg.doc_source = loc  # type: ignore[attr-defined]  # the file, for error messages (doc_index is per file)
        try:  # zero-cost in CPython 3.11 unless it raises
            eg.alignment  # noqa: B018 - computed once here, reused every step
        except DataError as err:
            # The alignment's message already names the document and its text.
            raise located(err, f"'{loc}'") from err
        return eg


def create_docbin_reader(
    path: Path | None,
    gold_preproc: bool,
    max_length: NonNegativeInt = 0,
    limit: NonNegativeInt = 0,
    augmenter: Augmenter | None = None,
) -> Reader:
    """``plait.Corpus.v1``: a Corpus over a ``.plait`` file or folder.

    path (Optional[Path]): the file or folder.
    gold_preproc (bool): use the reference tokenization.
    max_length (int): split or skip documents this long (0: no limit).
    limit (int): stop after this many documents (0: all).
    augmenter (Optional[Augmenter]): the data augmentation callback.
    RETURNS (Reader): the corpus, ``(nlp) -> Iterable[Example]``.
    """
    if path is None:
        raise DataError(f"the corpus path is None. {_PATH_HINT}")
    return Corpus(path, gold_preproc=gold_preproc, max_length=max_length, limit=limit,
                  augmenter=augmenter)  # fmt: skip


def require_examples(examples: Iterable[Example], *, name: str = "train", path: Any = None) -> Iterator[Example]:
    """Check that a corpus yields at least one Example, and return them all.

    For the training loop and ``initialize``: an empty corpus is a data
    error with the corpus named, not a silent zero-step training run.

    examples (Iterable[Example]): the corpus output.
    name (str): the corpus name in ``[corpora]`` (``train``, ``dev``).
    path (Any): the corpus path, named in the message (taken from the corpus
        object when it has one).
    RETURNS (Iterator[Example]): all the examples, the first included.
    RAISES (DataError): when there are none.
    """
    path = path if path is not None else getattr(examples, "path", None)
    iterator = iter(examples)
    first = next(iterator, None)
    if first is None:
        where = f" at '{path}'" if path is not None else ""
        raise DataError(
            f"the {name} corpus{where} ([corpora.{name}]) has no examples: the file is "
            f"empty, the folder has no {FILE_TYPE} files, or every document is longer than "
            "max_length / filtered out by limit. Convert your data with `plait convert` "
            f"and check [paths] {name}."
        )
    return itertools.chain([first], iterator)


def read_json_file(path: Path) -> Any:
    """``srsly.read_json.v1``: the contents of a JSON file.

    path (Path): the file.
    RETURNS (Any): the data.
    """
    import srsly

    _check_file(path)
    return srsly.read_json(path)


def read_jsonl_file(path: Path, skip: bool = False) -> Iterable[Any]:
    """``srsly.read_jsonl.v1``: the records of a JSONL file, streamed.

    path (Path): the file.
    skip (bool): skip lines that are not valid JSON instead of failing.
    RETURNS (Iterable[Any]): the records.
    """
    import srsly

    _check_file(path)
    return srsly.read_jsonl(path, skip=skip)


def _check_file(path: Any) -> None:
    if path is None or not Path(path).exists():
        raise DataError(f"file '{path}' does not exist. Check the path in the config.")
