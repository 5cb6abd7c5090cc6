"""Property tests: any unicode words and spaces give back their text, through DocBin too."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from plait.tokens import Doc, DocBin
from plait.vocab import Vocab

words_and_spaces = st.lists(st.tuples(st.text(min_size=1, max_size=12), st.booleans()), max_size=30)


@settings(max_examples=150, deadline=None)
@given(words_and_spaces)
def test_doc_keeps_text(pairs: list[tuple[str, bool]]) -> None:
    vocab = Vocab()
    words = [w for w, _ in pairs]
    spaces = [s for _, s in pairs]
    doc = Doc(vocab, words, spaces)
    expected = "".join(w + (" " if s else "") for w, s in pairs)
    assert doc.text == expected
    assert [t.text for t in doc] == words
    assert [t.idx for t in doc] == [
        sum(len(w) + s for w, s in pairs[:i]) for i in range(len(pairs))
    ]
    again = next(DocBin().from_bytes(DocBin(docs=[doc]).to_bytes()).get_docs(Vocab()))
    assert again.text == expected and [t.text for t in again] == words
