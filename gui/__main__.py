"""`python -m lmi_explorer.gui` starts LMI Explorer."""

import sys

from lmi_explorer.gui.app import main

sys.exit(main())
