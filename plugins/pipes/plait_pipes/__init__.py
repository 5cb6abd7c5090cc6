"""plait-pipes: plait's built-in trainable and rule-based components.

Everything here is found through entry points (``plait_factories``,
``plait_architectures``, ``plait_misc`` and the ``plait`` hook group), so
importing this package does nothing: a config that names ``tagger`` imports
only ``plait_pipes.tagger`` and the architectures it uses.
"""

from __future__ import annotations

__version__ = "0.1.0"
