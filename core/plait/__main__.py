"""`python -m plait` runs the CLI."""

from plait.cli._main import main

if __name__ == "__main__":
    main()
