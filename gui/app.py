"""Entry point: `lmi-explorer` opens the app; `lmi-explorer estimate|catalog ...` runs headless."""

from __future__ import annotations

import sys
from collections.abc import Sequence

HEADLESS_COMMANDS = ("estimate", "catalog", "-h", "--help")


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch: subcommands run without Qt; anything else starts the window."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HEADLESS_COMMANDS:
        from models.cli import main as cli_main

        return cli_main(args)
    from models.cli import main as cli_main

    # The window arrives with the GUI; until then the app prints the default scenario's answer.
    return cli_main(["estimate", *args])


if __name__ == "__main__":
    sys.exit(main())
