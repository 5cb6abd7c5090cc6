"""An example plait plugin. Keep this module empty: entry points import the
submodule they name, and only when a config or the CLI uses it."""
