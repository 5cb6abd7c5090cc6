"""Transition systems behind the ``parser`` and ``ner`` components.

A transition system turns a sequence of moves into annotation (arc-eager:
dependency trees; BILUO: entity spans). Every operation works on a whole
batch of parse states at once: a state batch is a handful of numpy arrays
with one row per state, so per-step Python work is a few numpy calls,
whatever the number of states. ``_system.py`` declares the contract shared by
both systems.
"""
