"""plait-augmenters: data augmentation callbacks for training corpora.

An augmenter is ``augment(nlp, example) -> Iterator[Example]`` (spaCy's
contract), created by a registered function named in a config's
``[corpora.train.augmenter]`` block. Registration is through the
``plait_augmenters`` entry points only.
"""
