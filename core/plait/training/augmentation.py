"""Applying a corpus's augmenter safely: augmented examples that no longer
line up with their annotation are re-aligned or skipped, never fatal.

An augmenter (``[corpora.train.augmenter]``, often user code such as the
spec's "SpOnGeBoB" augmenter) edits ``example.to_dict()`` and rebuilds an
Example from a new text. If the new text tokenizes differently (mixed-case
words split differently), the edited words no longer match the annotation:
``Example.from_dict`` fails ("213 spaces for 208 words"), or the example is
built but its reference text differs from the predicted one and fails later,
mid-training, in the alignment. :class:`GuardedAugmenter` wraps the
augmenter so that such an example is

- re-aligned when the new text has the original text's length and keeps its
  whitespace (a case change, or any character-for-character substitution):
  the original tokens are cut from the new text at the original offsets and
  keep all their annotation;
- otherwise skipped and counted: ONE ``DataWarning`` per corpus names the
  augmenter, counts the skipped (and re-aligned) examples and shows the
  first problem.

The original examples an augmenter yields pass through untouched, and
nothing is paid per example beyond one text comparison for each new one.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from ..errors import DataError, DataWarning

if TYPE_CHECKING:
    from ..plugins.protocols import Augmenter
    from .example import Example


class _TextRecorder:
    """Stands in for ``nlp`` inside an augmenter and remembers the last text
    passed to ``make_doc`` (the augmented text, needed to re-align an
    example whose ``from_dict`` failed). Everything else is ``nlp``'s."""

    __slots__ = ("_nlp", "last_text")

    def __init__(self, nlp: Any) -> None:
        self._nlp = nlp
        self.last_text: str | None = None

    def make_doc(self, text: str) -> Any:
        self.last_text = text
        return self._nlp.make_doc(text)

    def __call__(self, text: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(text, str):
            self.last_text = text
        return self._nlp(text, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._nlp, name)


def augmenter_name(augmenter: Any) -> str:
    """A readable name for messages: the registered function's module and name."""
    func = getattr(augmenter, "__wrapped__", augmenter)
    qualname = getattr(func, "__qualname__", None) or type(func).__name__
    module = getattr(func, "__module__", None)
    # The inner ``augment`` closure of a registered factory: name the factory.
    qualname = qualname.replace(".<locals>.", " -> ")
    return f"{module}.{qualname}" if module else qualname


def realign(nlp: Any, original: Any, new_text: str | None) -> Any | None:
    """The original example's annotation on ``new_text``, or None if impossible.

    Possible when ``new_text`` has the original text's length and the same
    whitespace: each original token is then the slice of ``new_text`` at its
    original offsets (a case change keeps every boundary).

    nlp (Language): makes the predicted Doc of ``new_text``.
    original (Example): the example the augmenter started from.
    new_text (Optional[str]): the augmented text.
    RETURNS (Optional[Example]): the re-aligned example.
    """
    ref = original.reference
    if new_text is None or len(new_text) != len(ref.text) or new_text == ref.text:
        return None
    words = []
    for token in ref:
        words.append(new_text[token.idx : token.idx + len(token.text)])
    if "".join(w + t.whitespace_ for w, t in zip(words, ref, strict=True)) != new_text:
        return None  # the whitespace moved: the original tokens cannot be cut out
    example_dict = original.to_dict()
    example_dict["token_annotation"]["ORTH"] = words
    try:
        fixed = original.from_dict(nlp.make_doc(new_text), example_dict)
        fixed.alignment  # noqa: B018 - must align now, not mid-training
    except DataError:
        return None
    return fixed


class GuardedAugmenter:
    """Wrap an augmenter: re-align or skip augmented examples whose tokens no
    longer match their annotation, with one warning per corpus.

    augmenter (Callable[[Language, Example], Iterator[Example]]): the augmenter.
    """

    def __init__(self, augmenter: Augmenter) -> None:
        self.augmenter = augmenter
        self.name = augmenter_name(augmenter)
        self.n_realigned = 0
        self.n_skipped = 0
        self.first_problem: str | None = None
        self._warned = False

    def __call__(self, nlp: Any, example: Example) -> Iterator[Example]:
        """Yield what the augmenter yields for ``example``, repaired or without
        the examples that cannot be repaired."""
        recorder = _TextRecorder(nlp)
        try:
            for aug in self.augmenter(cast(Any, recorder), example):
                if aug is example or aug.reference is example.reference:
                    yield aug
                    continue
                problem = _misalignment(aug)
                if problem is None:
                    yield aug
                    continue
                fixed = self._repair(nlp, example, aug.predicted.text, problem)
                if fixed is not None:
                    yield fixed
                recorder.last_text = None
        except DataError as err:
            # The augmenter failed building an example (from_dict refused the
            # edited tokens); its generator is finished.
            fixed = self._repair(nlp, example, recorder.last_text, str(err))
            if fixed is not None:
                yield fixed

    def _repair(self, nlp: Any, example: Any, new_text: str | None, problem: str) -> Any | None:
        fixed = realign(nlp, example, new_text)
        if fixed is not None:
            self.n_realigned += 1
            return fixed
        self.n_skipped += 1
        if self.first_problem is None:
            index = getattr(example, "doc_index", None)
            where = f"document {index} " if index is not None else ""
            self.first_problem = f"{where}({example.reference.text[:40]!r}): {problem}"
        return None

    def warn_once(self) -> None:
        """Emit the one warning of this corpus, if any example was skipped."""
        if self._warned or not self.n_skipped:
            return
        self._warned = True
        realigned = (
            f" ({self.n_realigned} more were re-aligned onto the original tokens)"
            if self.n_realigned
            else ""
        )
        warnings.warn(
            f"augmenter {self.name}: skipped {self.n_skipped} augmented example(s) whose tokens no "
            f"longer match their annotation{realigned}; the original examples are kept. First: "
            f"{self.first_problem}. An augmenter that changes the tokenization must rebuild the "
            f"token annotation to match (see 'Augmenters' in docs/data.md).",
            DataWarning,
            stacklevel=2,
        )


def _misalignment(example: Any) -> str | None:
    """Why an augmented example cannot be trained on, or None if it can."""
    ref_text, pred_text = example.reference.text, example.predicted.text
    # Exact, not whitespace-insensitive like the alignment: edited words with
    # the old spaces ("firefox.it" for "firefox. it") mean the annotation
    # has moved to other tokens, even when the characters still align.
    if ref_text != pred_text:
        at = next((i for i, (a, b) in enumerate(zip(ref_text, pred_text)) if a != b), min(len(ref_text), len(pred_text)))
        return (
            f"its reference text differs from its predicted text at character {at}: "
            f"{ref_text[max(0, at - 15) : at + 15]!r} vs {pred_text[max(0, at - 15) : at + 15]!r}"
        )
    try:
        example.alignment  # noqa: B018 - fail here, not mid-training
    except DataError as err:
        return str(err)
    return None
