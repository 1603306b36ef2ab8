"""`python -m conformance`: see `python -m conformance --help`."""

if __name__ == "__main__":
    # Imported here, not above: a worker process (conformance/_prepared.py)
    # imports this module under another name and needs none of the CLI.
    import sys

    from ._cli import main

    sys.exit(main())
