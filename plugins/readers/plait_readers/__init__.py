"""plait-readers: corpus converters behind ``plait convert`` and streaming readers.

Everything here is found through entry points (``plait_converters``,
``plait_readers``); importing the package imports nothing else, so a config
or command that names one converter loads only that module.
"""
