"""The chart protocol: artists made once on a Figure, then updated from an estimate.

Chart modules import matplotlib only (never Qt), so the same code serves the live canvas,
headless export and tests.

``update`` says how much changed, so the live canvas can redraw as little as possible:

* ``False`` — nothing visible changed: no redraw.
* ``"partial"`` (:data:`PARTIAL`) — only artists in ``dynamic_artists()`` changed (bar heights,
  step lines, markers, value labels, subtitles of the same number of lines): the canvas restores
  its saved background and draws just those artists (blitting).
* ``True`` — something static changed (axis limits or ticks, categories, legend, a text that
  moves the layout, a resize): a full redraw.

Charts never mark artists animated themselves; only the live canvas does, so a chart drawn on
a plain Figure (export, tests) draws everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, Protocol

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

    from lmi_explorer.gui.charts.common import Fonts
    from lmi_explorer.gui.charts.theme import ChartTheme
    from lmi_explorer.models.decision import Decision
    from lmi_explorer.models.estimate import Estimate


#: ``update`` result: only the chart's dynamic artists changed
PARTIAL: Final = "partial"

#: what ``update`` returns: False (nothing changed), True (full redraw) or PARTIAL
UpdateResult = bool | Literal["partial"]


@dataclass(frozen=True)
class ChartInput:
    """Everything a chart may draw: the estimate and the decision for one scenario.

    ``loadtest_options`` are the (backend, instance, precision, TP) options the user picked to load-test
    (rows selected in the options table); empty means the load test shows the cheapest options.
    """

    estimate: Estimate
    decision: Decision
    loadtest_options: tuple[tuple[str, str, str, int], ...] = ()
    #: the sensitivity bars when already computed (models.mix.sensitivity.Tornado); None: the chart computes them
    tornado: object = None
    #: the whole scenario (with its traffic classes and day); None: the estimate's (its main traffic)
    scenario: object = None

    @property
    def full_scenario(self):
        """The scenario with every traffic class (the estimate's covers the main traffic only)."""
        return self.scenario if self.scenario is not None else self.estimate.scenario


class BaseChart:
    """The update protocol, written once: a chart says whether what it shows changed and what of it is static.

    Subclasses build their artists in ``__init__`` (with ``self.fonts``), and implement

    * ``apply(data) -> bool``: work out what the chart would show; if it equals what it shows (call
      :meth:`state_changed` with a hashable summary), return False; otherwise mutate the artists and
      return True;
    * ``static_key()``: a hashable summary of everything a blit cannot redraw (axis limits, categories,
      the legend, the line count of wrapped texts); when it changes the canvas redraws in full;
    * ``dynamic_artists()``: the artists ordinary slider moves change (none: always a full redraw).

    ``update`` then returns False (nothing changed), :data:`PARTIAL` or True, as the module doc says.
    """

    title: str
    fonts: Fonts

    def __init__(self) -> None:
        self._state: object = None
        self._static: object = None

    def update(self, data: ChartInput) -> UpdateResult:
        resized = self.fonts.refresh()
        if not self.apply(data):
            return resized
        static = self.static_key()
        full = static != self._static
        self._static = static
        return True if full or resized else PARTIAL

    def state_changed(self, state: object) -> bool:
        """Record what the chart now shows; False when it is what it already showed."""
        if state == self._state:
            return False
        self._state = state
        return True

    def apply(self, data: ChartInput) -> bool:
        raise NotImplementedError

    def static_key(self) -> object:
        raise NotImplementedError

    def dynamic_artists(self) -> list[Artist]:
        return []


class Chart(Protocol):
    """Build artists in ``__init__``; ``update`` mutates them and says what changed (see the module doc).

    ``dynamic_artists`` lists the artists ordinary slider moves change; it may change only after an
    ``update`` that returned True. A chart without it (or one returning only bools) is always redrawn
    in full.
    """

    title: str

    def __init__(self, figure: Figure, theme: ChartTheme) -> None: ...

    def update(self, data: ChartInput) -> UpdateResult: ...

    def dynamic_artists(self) -> list[Artist]: ...
