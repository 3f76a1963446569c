"""``python -m vcfgraph``: the same as the ``vcfgraph`` command."""

import sys

from vcfgraph.cli import main

if __name__ == "__main__":
    sys.exit(main())
