"""`python -m tripleo_tui` is the `tripleo-tui` command."""

import sys

from tripleo_tui.cli import main

sys.exit(main())
