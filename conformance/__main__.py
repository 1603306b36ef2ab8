"""`python -m conformance`: see `python -m conformance --help`."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
