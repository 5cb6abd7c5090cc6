"""The rule-based tokenizer and the helpers that compile its affix rules."""

from __future__ import annotations

from ._regexes import compile_infix_regex, compile_prefix_regex, compile_suffix_regex
from .tokenizer import Tokenizer, create_tokenizer

__all__ = ["Tokenizer", "compile_prefix_regex", "compile_suffix_regex", "compile_infix_regex", "create_tokenizer"]
