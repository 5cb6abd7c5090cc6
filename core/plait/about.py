"""Package metadata kept apart so `plait --version` imports nothing heavy."""

__version__ = "0.1.0"
