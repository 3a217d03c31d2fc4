"""`python -m privacy_warehouse.bench floor|direct|validate ...`: the helper processes."""

import sys

from privacy_warehouse.bench.cli import _helper_main

sys.exit(_helper_main(sys.argv[1:]))
