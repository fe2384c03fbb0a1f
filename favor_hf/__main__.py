"""``python -m favor_hf`` runs the ``favor-hf`` command line."""

import sys

from favor_hf.cli import main

sys.exit(main())
