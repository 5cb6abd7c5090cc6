"""DocBin: many Docs in one compact ``.plait`` file (the training corpus format).

Docs are kept as column blocks (all tokens of many docs concatenated), so
adding, encoding and decoding are numpy operations per block, not per token.
On disk each string-valued column becomes small integer codes into one
string table written once (new strings travel with the chunk that first
uses them), heads become small signed offsets, spaces a bit array, and each
chunk is zlib-compressed msgpack. ``DocBin.iter_from_disk`` streams docs
chunk by chunk. No pickle: reading a corpus never executes code.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .. import attrs as A
from .. import fs
from ..errors import SerializationError, UsageError
from ..vocab import Vocab
from . import _docbin_io as io_
from ._docbin_codec import HASH_ATTRS, Block, Encoder, Table, decode_block
from .doc import TOKEN_COLUMNS, Doc
from .span import Span

DEFAULT_ATTRS = ("ORTH", "TAG", "HEAD", "DEP", "ENT_IOB", "ENT_TYPE", "ENT_KB_ID", "ENT_ID",
                 "LEMMA", "MORPH", "POS", "SPACY", "NORM", "SENT_START")  # fmt: skip
CHUNK_TOKENS = 50_000


class DocBin:
    """A collection of Docs, serialised compactly (``.plait`` files).

    attrs (Iterable[str | int]): token attributes to keep (ORTH and SPACY always are).
    store_user_data (bool): keep ``doc.user_data`` (msgpack-able values only).
    docs (Iterable[Doc]): docs to add.
    """

    def __init__(
        self,
        attrs: Iterable[str | int] = DEFAULT_ATTRS,
        store_user_data: bool = False,
        docs: Iterable[Doc] = (),
    ) -> None:
        ids = [A.attr_id(a) for a in attrs]
        for attr in ids:
            if attr not in TOKEN_COLUMNS and attr not in (A.ORTH, A.SPACY, A.NORM):
                raise UsageError(
                    f"DocBin: attribute {A.NAMES.get(attr, attr)} cannot be stored (it is derived from the words)"
                )
        self.attrs = sorted(set(ids) | {A.ORTH, A.SPACY})
        self.store_user_data = store_user_data
        self._cols = [a for a in self.attrs if a in TOKEN_COLUMNS or a == A.NORM]
        self._blocks: list[Block] = []
        self._pending: list[tuple] = []  # docs added since the last consolidation
        self._sources: list[Any] = []  # StringStores / dicts resolving hashes
        self._n_docs = 0
        for doc in docs:
            self.add(doc)

    def __len__(self) -> int:
        return self._n_docs

    @property
    def strings(self) -> set[str]:
        """RETURNS (set[str]): every string the stored docs use."""
        hashes = self._all_hashes()
        return {self._resolve(int(h), "strings") for h in hashes.tolist() if h}

    def add(self, doc: Doc) -> None:
        """Add a Doc (its columns are copied)."""
        if not isinstance(doc, Doc):
            raise UsageError(f"DocBin.add expects a Doc, got {type(doc).__name__}")
        vocab = doc.vocab
        if not any(src is vocab.strings for src in self._sources):
            self._sources.append(vocab.strings)
        tok = doc._tok
        cols = [
            (doc._norm if doc._norm is not None else np.zeros(len(doc), dtype=np.uint64))
            if a == A.NORM
            else tok[a]
            for a in self._cols
        ]
        spans = None
        if doc._spans:
            spans = {
                name: [(s.start, s.end, s.label, s.kb_id, s.id) for s in group]
                for name, group in doc._spans.items()
            }
        user_data = None
        if self.store_user_data and doc._user_data:
            user_data = [
                [list(k) if isinstance(k, tuple) else k, v] for k, v in doc._user_data.items()
            ]
        # One concatenation copies every column (a snapshot: later edits of the
        # doc do not reach the DocBin); blocks are split again when consolidated.
        self._pending.append((len(doc), vocab._cols["orth"][doc._lex], doc._spaces.copy(),
                              np.concatenate(cols, dtype=np.uint64, casting="unsafe") if cols else None, dict(doc._cats) if doc._cats else {}, spans, user_data))  # fmt: skip
        self._n_docs += 1

    def merge(self, other: DocBin) -> None:
        """Append the docs of another DocBin (attributes must match)."""
        if set(other.attrs) != set(self.attrs):
            raise UsageError(
                f"DocBin.merge: attrs differ ({other.attrs} vs {self.attrs}); create both with the same attrs"
            )
        if other.store_user_data != self.store_user_data:
            raise UsageError("DocBin.merge: store_user_data differs between the two DocBins")
        self._consolidate()
        self._blocks.extend(other._consolidate())
        self._sources.extend(s for s in other._sources if not any(s is t for t in self._sources))
        self._n_docs += other._n_docs

    # Reading back -------------------------------------------------------------
    def get_docs(self, vocab: Vocab) -> Iterator[Doc]:
        """Yield the stored docs as Docs of ``vocab``."""
        blocks = self._consolidate()
        # Strings read from a file are registered with their known hashes in
        # one go; only strings from other StringStores need a per-block check.
        check = False
        for src in self._sources:
            if isinstance(src, Table):
                vocab.strings._add_known(list(src.by_hash.values()), list(src.by_hash))
            elif src is not vocab.strings:
                check = True
        for block in blocks:
            yield from _block_to_docs(block, vocab, self._resolve, check)

    def _consolidate(self) -> list[Block]:
        # Merge the one-doc blocks made by add() into chunk-sized blocks.
        if self._pending:
            self._blocks.extend(self._pending_blocks())
            self._pending = []
        out: list[Block] = []
        pending: list[Block] = []
        size = 0
        for block in self._blocks:
            pending.append(block)
            size += len(block.orth)
            if size >= CHUNK_TOKENS:
                out.append(Block.concat(pending))
                pending, size = [], 0
        if pending:
            out.append(Block.concat(pending))
        self._blocks = out
        return out

    def _pending_blocks(self) -> Iterator[Block]:
        # Turn the added docs into blocks of about CHUNK_TOKENS tokens.
        items = self._pending
        start = 0
        while start < len(items):
            stop, size = start, 0
            while stop < len(items) and (size < CHUNK_TOKENS or stop == start):
                size += items[stop][0]
                stop += 1
            group = items[start:stop]
            lengths = np.array([g[0] for g in group], dtype=np.int64)
            n_cols = len(self._cols)
            if n_cols:
                table = np.concatenate([g[3].reshape(n_cols, -1) for g in group], axis=1)
                cols = {
                    a: table[k].astype(TOKEN_COLUMNS.get(a, np.uint64))
                    for k, a in enumerate(self._cols)
                }
            else:
                cols = {}
            yield Block(lengths, np.concatenate([g[1] for g in group]), np.concatenate([g[2] for g in group]), cols,
                        [g[4] for g in group], [g[5] for g in group], [g[6] for g in group])  # fmt: skip
            start = stop

    def _resolve(self, key: int, where: str) -> str:
        for src in self._sources:
            text = src.by_hash.get(key) if isinstance(src, Table) else src.get(key)
            if text is not None:
                return text
        raise UsageError(
            f"DocBin: no string for id {key} (in {where}): the value was set as a hash whose "
            "string is in no StringStore; set the string form (token.tag_ = ...) instead"
        )

    def _all_hashes(self) -> np.ndarray:
        blocks = self._consolidate()
        parts = [b.orth for b in blocks] + [
            b.cols[a] for b in blocks for a in self._cols if a in HASH_ATTRS
        ]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)

    # Serialisation --------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """RETURNS (bytes): the ``.plait`` serialisation."""
        out = io.BytesIO()
        self._write(out)
        return out.getvalue()

    def _write(self, out: Any) -> None:
        out.write(io_.HEADER)
        out.write(io_.frame(b"H", {"attrs": self.attrs, "store_user_data": self.store_user_data}))
        encoder = Encoder(self._resolve)
        blocks = self._consolidate()
        for block in blocks:
            out.write(io_.frame(b"C", encoder.encode(block, self._cols)))
        out.write(io_.frame(b"E", {"n_docs": self._n_docs, "n_chunks": len(blocks)}))

    def from_bytes(self, data: bytes, *, name: str = "<bytes>") -> DocBin:
        """Load docs from ``to_bytes`` output, replacing the content. RETURNS (DocBin): self."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise UsageError(f"DocBin.from_bytes expects bytes, got {type(data).__name__}")
        self._load(io.BytesIO(data), name)
        return self

    def _load(self, stream: Any, name: str) -> None:
        # Like spaCy, loading replaces the content (attrs come from the file).
        blocks = []
        n_docs = 0
        table = Table()
        for block in _iter_blocks(stream, name, table, self):
            blocks.append(block)
            n_docs += len(block.lengths)
        self._blocks = blocks
        self._pending = []
        self._sources = [table]
        self._n_docs = n_docs

    def to_disk(self, path: str | Path) -> None:
        """Write to ``path`` atomically (temporary sibling, then rename)."""
        fs.write_bytes(Path(path), self.to_bytes())

    def from_disk(self, path: str | Path) -> DocBin:
        """Load a ``.plait`` file. RETURNS (DocBin): self."""
        path = Path(path)
        try:
            stream = path.open("rb")
        except OSError as err:
            raise SerializationError(f"{path}: cannot read DocBin ({err.strerror or err})") from err
        with stream:
            self._load(stream, str(path))
        return self

    @classmethod
    def iter_from_disk(cls, path: str | Path, vocab: Vocab) -> Iterator[Doc]:
        """Stream the docs of a ``.plait`` file, one chunk in memory at a time.

        path (str | Path): the file. vocab (Vocab): the vocab for the docs.
        YIELDS (Doc): the docs in order.
        """
        path = Path(path)
        try:
            stream = path.open("rb")
        except OSError as err:
            raise SerializationError(f"{path}: cannot read DocBin ({err.strerror or err})") from err
        with stream:
            table = Table()
            reader = cls()
            for block in _iter_blocks(stream, str(path), table, reader):
                vocab.strings._add_known(*table.drain())
                yield from _block_to_docs(
                    block, vocab, lambda key, where: table.by_hash[key], False
                )


def _iter_blocks(stream: Any, name: str, table: Table, target: DocBin) -> Iterator[Block]:
    n_docs = n_chunks = 0
    header_seen = False
    for kind, payload in io_.read_frames(stream, name):
        where = f"{name}: chunk {n_chunks}"
        try:
            if kind == b"H":
                attrs = payload["attrs"]
                if not header_seen:
                    target.attrs = sorted(attrs)
                    target._cols = [a for a in target.attrs if a in TOKEN_COLUMNS or a == A.NORM]
                    target.store_user_data = bool(payload.get("store_user_data"))
                header_seen = True
                file_cols = [a for a in attrs if a in TOKEN_COLUMNS or a == A.NORM]
            elif kind == b"C":
                if not header_seen:
                    raise SerializationError(f"{where}: corrupt DocBin: chunk before the header")
                block = decode_block(payload, file_cols, table, where)
                n_docs += len(block.lengths)
                n_chunks += 1
                yield block
            else:
                if payload.get("n_docs") != n_docs or payload.get("n_chunks") != n_chunks:
                    raise SerializationError(
                        f"{name}: corrupt DocBin: end frame promises {payload.get('n_docs')} docs in "
                        f"{payload.get('n_chunks')} chunks, found {n_docs} in {n_chunks}"
                    )
        except (KeyError, TypeError, ValueError) as err:
            if isinstance(err, SerializationError):
                raise
            raise SerializationError(
                f"{where}: corrupt DocBin: missing or malformed field ({err!r})"
            ) from err


def _block_to_docs(block: Block, vocab: Vocab, resolve: Any, check_strings: bool) -> Iterator[Doc]:
    strings = vocab.strings
    if check_strings:
        # Register every string of the block that the vocab lacks, with its
        # known hash (no rehashing).
        hash_cols = [col for attr, col in block.cols.items() if attr in HASH_ATTRS]
        uniq_all = np.unique(np.concatenate([block.orth, *hash_cols]))
        unknown = [key for key in uniq_all.tolist() if key and key not in strings._to_str]
        strings._add_known([resolve(key, "DocBin columns") for key in unknown], unknown)
    # Map each distinct orth hash to a lexeme row once per block.
    uniq = np.unique(block.orth)
    texts = [strings._to_str[h] for h in uniq.tolist()]
    rows = vocab.get_lex_ids(texts)[np.searchsorted(uniq, block.orth)]
    bounds = np.concatenate([[0], np.cumsum(block.lengths)]).tolist()
    n_tokens = len(block.orth)
    # One fresh copy per column for the whole block; each doc gets views of it,
    # so docs never share memory with the DocBin or with each other.
    full = {
        attr: np.array(block.cols[attr], dtype=dtype)
        if attr in block.cols
        else np.zeros(n_tokens, dtype=dtype)
        for attr, dtype in TOKEN_COLUMNS.items()
    }
    spaces = np.array(block.spaces, dtype=bool)
    has_norm = A.NORM in block.cols and bool(block.cols[A.NORM].any())
    for k in range(len(block.lengths)):
        s, e = bounds[k], bounds[k + 1]
        doc = Doc._from_columns(
            vocab, rows[s:e], spaces[s:e], {a: col[s:e] for a, col in full.items()}, share=True
        )
        if has_norm and block.cols[A.NORM][s:e].any():
            doc._norm = block.cols[A.NORM][s:e].copy()
        if block.cats[k]:
            doc.cats = dict(block.cats[k])
        doc_spans = block.spans[k]
        if doc_spans:
            for name, group in doc_spans.items():
                for _st, _en, lb, kb, sid in group:
                    for key in (lb, kb, sid):
                        if key and key not in strings:
                            strings.add(resolve(key, "spans"))
                doc.spans[name] = [
                    Span(doc, st, en, label=lb, kb_id=kb, span_id=sid)
                    for st, en, lb, kb, sid in group
                ]
        user_data = block.user_data[k]
        if user_data:
            doc.user_data = {
                tuple(key) if isinstance(key, list) else key: value for key, value in user_data
            }
        yield doc
