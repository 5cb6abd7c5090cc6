"""thinc model constructors registered under ``plait_architectures``.

One architecture family per module: ``featurize`` (Docs -> id columns),
``tok2vec`` (embedding + encoders), ``tagger``, ``textcat``, ``listener``.
"""
