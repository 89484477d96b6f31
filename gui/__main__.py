"""`python -m gui` starts LMI Explorer."""

import sys

from gui.app import main

sys.exit(main())
