"""Entry point: `python -m deploy.real_sites ...` runs cli.main."""

import sys

from deploy.real_sites.cli import main

sys.exit(main())
