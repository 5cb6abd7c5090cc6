"""plait-ray: ``plait ray train``, parallel and distributed training on Ray.

Importing this package imports neither Ray nor thinc; the command does.
"""
