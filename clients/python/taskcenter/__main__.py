"""`python -m taskcenter ...` is the command line (same as `taskcenter-cli`)."""

import sys

from .cli import main

sys.exit(main())
