"""The names of the headless commands, for the window's start-up to tell a command from a file.

Kept apart from ``models.cli`` (which imports pandas) so starting the window stays quick.
"""

from __future__ import annotations

#: in the order ``lmi-explorer --help`` lists them
COMMANDS = ("estimate", "catalog", "calibrate", "deploy", "scenario", "prices", "export")
