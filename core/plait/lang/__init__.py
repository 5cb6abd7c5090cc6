"""Language data: the neutral base (``defaults``, ``punctuation``,
``char_classes``, ``tokenizer_exceptions``) and one package per language
(``en``, ``xx``). Language classes are found through the ``languages``
registry (entry-point group ``plait_languages``), so a plugin adds one with
``[project.entry-points.plait_languages] de = "my_pkg.de:German"``.
"""

from __future__ import annotations
