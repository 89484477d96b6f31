"""Window tests here use the GUI suite's fixtures: isolated settings, no blocking dialogs, ``make_window``."""

from tests.gui.conftest import isolated_settings, make_window, no_real_dialogs

__all__ = ["isolated_settings", "make_window", "no_real_dialogs"]
