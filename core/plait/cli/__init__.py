"""The `plait` command line: a click group whose commands load lazily."""
