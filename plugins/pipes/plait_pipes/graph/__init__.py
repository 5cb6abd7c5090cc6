"""Structured decoders of the graph-based components: maximum spanning
trees (Chu-Liu-Edmonds, Eisner) for the biaffine parser."""

from __future__ import annotations

from .mst import chu_liu_edmonds, decode_tree, eisner, is_tree

__all__ = ["chu_liu_edmonds", "decode_tree", "eisner", "is_tree"]
