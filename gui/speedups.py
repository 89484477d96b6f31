"""Speed-ups that lean on private matplotlib and PySide6 internals, all behind this one module.

Each speed-up replaces something the public API does more slowly with code that reaches into a private
function or attribute of a library. It is installed only when

* the environment variable ``LMI_NO_SPEEDUPS`` is not set to ``1`` (the kill switch: the app then runs on
  the public path alone),
* the installed version of the library is in a release series the speed-up was checked on
  (``checked_on`` in :data:`SPEEDUPS`; versions are read with :mod:`importlib.metadata`), and
* the private name it needs is there.

Otherwise the public path is used, silently, and :func:`report` says why; ``lmi-explorer --self-check``
prints that report. With or without them the charts have the same pixels and the answers are the same
(``tests/gui/test_speedups.py``); only time and memory differ (``bench/report.py`` measures both ways).

When a new matplotlib or PySide6 release comes out: run the tests and ``bench/report.py`` with it, and add
its series to ``checked_on`` if the pixels are still the same and the speed-up still pays.

Importing this module imports neither Qt nor matplotlib: the PySide6 speed-up must be in place before
matplotlib is first imported (it speeds up importing it).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from typing import Any, ClassVar, NamedTuple

log = logging.getLogger(__name__)

#: the kill switch: ``LMI_NO_SPEEDUPS=1`` runs the public path only
ENV_SWITCH = "LMI_NO_SPEEDUPS"
#: bytes of glyph bitmaps kept for all live canvases together (a tick label is 1–5 kB)
TEXT_CACHE_BYTES = 8 * 2**20
#: longer texts (subtitles, summaries) change with almost every step and are drawn uncached, so the
#: cache holds the labels that do repeat instead of filling with one-off sentences
TEXT_CACHE_MAX_CHARS = 48
#: text sizes matplotlib remembers (its own cache keeps 4,096, about 2 kB each: the subtitles and value
#: labels that change with every slider step would fill it over a few thousand steps, ~8 MB)
TEXT_METRICS_CACHE = 1024

#: where each library's version is read from: the first installed distribution of these names
DISTRIBUTIONS = {"matplotlib": ("matplotlib",), "PySide6": ("PySide6-Essentials", "PySide6", "shiboken6")}


class Status(NamedTuple):
    """Whether one speed-up is in use, and why (or why not)."""

    name: str
    active: bool
    reason: str


@dataclass(frozen=True)
class SpeedUp:
    """One speed-up: the library it leans on, the release series it was checked on, and how to put it in
    place. ``missing`` says what private name is absent (None: all there); ``install`` and ``uninstall``
    put it in place and take it out again (both idempotent)."""

    name: str
    package: str
    checked_on: tuple[str, ...]
    what: str
    missing: Callable[[], str | None]
    install: Callable[[], None]
    uninstall: Callable[[], None]


# --------------------------------------------------------------------------- versions


def installed_version(package: str) -> str | None:
    """The installed version of ``matplotlib`` or ``PySide6`` (from the package metadata), or None.

    A frozen bundle may ship without the metadata; the imported module's ``__version__`` is used then.
    """
    for dist in DISTRIBUTIONS.get(package, (package,)):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    module = sys.modules.get(package)
    version = getattr(module, "__version__", None)
    return version if isinstance(version, str) else None


def _series(version: str) -> str:
    """'3.10.9' -> '3.10'."""
    return ".".join(version.split(".")[:2])


# --------------------------------------------------------------------------- text bitmaps (matplotlib)


def _text_bitmaps_missing() -> str | None:
    agg = sys.modules.get("matplotlib.backends.backend_agg")
    if agg is None:
        return "matplotlib's Agg backend is not imported yet"
    for name in ("_prepare_font", "draw_text", "get_text_width_height_descent"):
        if not hasattr(agg.RendererAgg, name):
            return f"matplotlib.backends.backend_agg.RendererAgg.{name} is missing"
    if not hasattr(agg, "get_hinting_flag"):
        return "matplotlib.backends.backend_agg.get_hinting_flag is missing"
    return None


def renderer_class() -> type:
    """The Agg renderer class a live canvas draws with: the text-caching one when that speed-up is on."""
    if active("text-bitmaps"):
        return _text_renderer_class()
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg


@lru_cache(maxsize=1)
def _text_renderer_class() -> type:
    """:class:`CachedTextRenderer`, defined on first use (so importing this module imports no matplotlib)."""
    from math import cos, radians, sin

    import matplotlib as mpl
    import numpy as np
    from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag

    class CachedTextRenderer(RendererAgg):
        """Agg renderer that reuses the bitmaps of texts it drew before (same text, font, size, dpi).

        ``draw_text`` is matplotlib 3.10's, with the shaping and rasterizing (``FT2Font.set_text`` and
        ``draw_glyphs_to_bitmap``, most of the cost) done once per distinct text and font. The key holds
        everything the bitmap depends on: the string, the font properties, dpi, antialiasing and the
        hinting and kerning settings. Maths text, long texts, and everything while the speed-up is off
        go the usual way.
        """

        _cache: ClassVar[dict[tuple, tuple[Any, float, float, float]]] = {}  # shared by all live canvases
        _cache_bytes: ClassVar[int] = 0

        def _key(self, s: str, prop: Any, aa: bool) -> tuple:
            rc = mpl.rcParams
            return (
                s,
                tuple(prop.get_family()),
                prop.get_style(),
                prop.get_variant(),
                prop.get_weight(),
                prop.get_stretch(),
                prop.get_size_in_points(),
                prop.get_file(),
                self.dpi,
                aa,
                rc["text.hinting"],
                rc["text.hinting_factor"],
                rc["text.kerning_factor"],
            )

        def get_text_width_height_descent(self, s, prop, ismath):
            """matplotlib 3.10's measurement, keeping the bitmap too: a text is measured (for layout) just
            before it is drawn, so shaping it once instead of twice halves the cost of a new label."""
            if ismath or len(s) > TEXT_CACHE_MAX_CHARS or not active("text-bitmaps"):
                return super().get_text_width_height_descent(s, prop, ismath)
            font = self._prepare_font(prop)
            font.set_text(s, 0.0, flags=get_hinting_flag())
            w, h = font.get_width_height()  # width and height of the unrotated string
            d = font.get_descent()
            aa = bool(mpl.rcParams["text.antialiased"])  # what a text is drawn with unless it says otherwise
            key = self._key(s, prop, aa)
            if key not in CachedTextRenderer._cache:
                font.draw_glyphs_to_bitmap(antialiased=aa)
                xo, yo = font.get_bitmap_offset()
                _remember(key, (np.array(font.get_image()), d / 64.0, xo / 64.0, yo / 64.0))
            return w / 64.0, h / 64.0, d / 64.0

        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
            if ismath or len(s) > TEXT_CACHE_MAX_CHARS or not active("text-bitmaps"):
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            aa = gc.get_antialiased()
            key = self._key(s, prop, aa)
            hit = CachedTextRenderer._cache.get(key)
            if hit is None:
                font = self._prepare_font(prop)
                # angle 0 here: draw_text_image rotates the bitmap (as in RendererAgg.draw_text)
                font.set_text(s, 0, flags=get_hinting_flag())
                font.draw_glyphs_to_bitmap(antialiased=aa)
                xo, yo = font.get_bitmap_offset()
                hit = (np.array(font.get_image()), font.get_descent() / 64.0, xo / 64.0, yo / 64.0)
                _remember(key, hit)
            image, d, xo, yo = hit
            x = round(x + xo + d * sin(radians(angle)))
            y = round(y + yo + d * cos(radians(angle)))
            self._renderer.draw_text_image(image, x, y + 1, angle, gc)
            return None

    def _remember(key: tuple, hit: tuple[Any, float, float, float]) -> None:
        """Keep a bitmap; beyond the byte budget, forget the ones kept first."""
        cache = CachedTextRenderer._cache
        cache[key] = hit
        CachedTextRenderer._cache_bytes += hit[0].nbytes
        while CachedTextRenderer._cache_bytes > TEXT_CACHE_BYTES and len(cache) > 1:
            old = next(iter(cache))
            CachedTextRenderer._cache_bytes -= cache.pop(old)[0].nbytes

    return CachedTextRenderer


def __getattr__(name: str) -> Any:
    """``CachedTextRenderer`` is built when first asked for: importing this module imports no matplotlib."""
    if name == "CachedTextRenderer":
        return _text_renderer_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _nothing() -> None:
    """The canvas asks :func:`renderer_class` on each new renderer: nothing to put in place."""


# --------------------------------------------------------------------------- text-size cache (matplotlib)

_metrics_original: list[Any] = []  # matplotlib's own cached function, while ours stands in for it


def _text_metrics_missing() -> str | None:
    mtext = sys.modules.get("matplotlib.text")
    if mtext is None:
        return "matplotlib.text is not imported yet"
    cached = _metrics_original[0] if _metrics_original else getattr(mtext, "_get_text_metrics_with_cache_impl", None)
    if cached is None:
        return "matplotlib.text._get_text_metrics_with_cache_impl is missing"
    if getattr(cached, "__wrapped__", None) is None or not hasattr(cached, "cache_parameters"):
        return "matplotlib.text._get_text_metrics_with_cache_impl is no longer an lru_cache"
    return None


def _bound_text_metrics() -> None:
    """Keep matplotlib's text-size cache (least recently used first out) to TEXT_METRICS_CACHE entries."""
    import matplotlib.text as mtext

    if _metrics_original:
        return
    cached = mtext._get_text_metrics_with_cache_impl
    _metrics_original.append(cached)
    mtext._get_text_metrics_with_cache_impl = lru_cache(maxsize=TEXT_METRICS_CACHE)(cached.__wrapped__)


def _unbound_text_metrics() -> None:
    if _metrics_original:
        import matplotlib.text as mtext

        mtext._get_text_metrics_with_cache_impl = _metrics_original.pop()


# --------------------------------------------------------------------------- PySide6's import check

_import_check_original: list[Any] = []  # PySide6's own check, while ours stands in for it


def _import_check_missing() -> str | None:
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None:
        return "PySide6 is not imported yet"
    if not _import_check_original and not callable(getattr(feature, "_mod_uses_pyside", None)):
        return "shibokensupport.feature._mod_uses_pyside is missing"
    return None


def _read_file_import_check() -> None:
    """Make PySide6's per-import check read a file instead of parsing it into the line cache.

    Once imported, PySide6 asks of every module imported after it whether its source mentions "PySide6" (for
    ``from __feature__ import ...``), through ``inspect.getsource``: for the ~300 modules the window imports
    that took ~85 ms, and the line cache kept ~9 MB of their source. A plain read of the file gives the same
    answer. Modules without a ``.py`` file (a frozen bundle's) keep PySide6's own check.
    """
    if _import_check_original:
        return
    feature = sys.modules["shibokensupport.feature"]
    original = feature._mod_uses_pyside

    def uses_pyside(module: object) -> bool:
        path = getattr(module, "__file__", None)
        if not (isinstance(path, str) and path.endswith(".py")):
            return original(module)
        try:
            with open(path, "rb") as fh:
                return b"PySide6" in fh.read()
        except OSError:
            return original(module)

    _import_check_original.append(original)
    feature._mod_uses_pyside = uses_pyside


def _pyside_import_check_back() -> None:
    if _import_check_original:
        sys.modules["shibokensupport.feature"]._mod_uses_pyside = _import_check_original.pop()


# --------------------------------------------------------------------------- the list

#: every speed-up, with the release series it was checked on (the pixels compared with and without it, and
#: bench/report.py run both ways)
SPEEDUPS: tuple[SpeedUp, ...] = (
    SpeedUp(
        "text-bitmaps",
        "matplotlib",
        ("3.10",),
        "live canvases keep the glyph bitmaps of recent texts (a copy of RendererAgg.draw_text using its "
        "private _prepare_font and _renderer)",
        _text_bitmaps_missing,
        _nothing,
        _nothing,
    ),
    SpeedUp(
        "text-metrics-bound",
        "matplotlib",
        ("3.10",),
        f"matplotlib's private text-size cache kept to {TEXT_METRICS_CACHE:,} entries instead of 4,096 (~8 MB)",
        _text_metrics_missing,
        _bound_text_metrics,
        _unbound_text_metrics,
    ),
    SpeedUp(
        "pyside-import-check",
        "PySide6",
        ("6.11",),
        "PySide6's private per-import check (shibokensupport.feature._mod_uses_pyside) reads the module's "
        "file instead of inspect.getsource (~85 ms at start-up, ~9 MB)",
        _import_check_missing,
        _read_file_import_check,
        _pyside_import_check_back,
    ),
)

_status: dict[str, Status] = {}


def switched_off(env: dict[str, str] | None = None) -> bool:
    """``LMI_NO_SPEEDUPS`` is set (to anything but empty or 0)."""
    value = (os.environ if env is None else env).get(ENV_SWITCH, "").strip()
    return value not in ("", "0")


def install(*, enabled: bool | None = None) -> list[Status]:
    """Put in place every speed-up that can be, take out any that may no longer be; return the report.

    ``enabled`` None reads the kill switch (``LMI_NO_SPEEDUPS``); False takes every speed-up out. Safe to
    call more than once: a speed-up whose library is not imported yet is put in place by a later call (the
    app calls this once PySide6 is imported, the canvas module once matplotlib is).
    """
    on = not switched_off() if enabled is None else enabled
    for s in SPEEDUPS:
        version = installed_version(s.package)
        if not on:
            why = f"switched off ({ENV_SWITCH}=1)" if enabled is None else "switched off"
        elif version is None:
            why = f"{s.package} is not installed"
        elif _series(version) not in s.checked_on:
            why = f"{s.package} {version} is not a version it was checked on ({', '.join(s.checked_on)})"
        else:
            why = s.missing() or ""
        if why:
            s.uninstall()
        else:
            try:
                s.install()
            except Exception as exc:  # a private name that changed shape: the public path it is
                s.uninstall()
                why = f"could not be put in place ({type(exc).__name__}: {exc})"
                log.warning("speed-up %s: %s", s.name, why)
        previous = _status.get(s.name)
        status = Status(s.name, not why, why or f"on ({s.package} {version})")
        if previous != status and why:
            log.info("speed-up %s off: %s", s.name, why)
        _status[s.name] = status
    return report()


def report() -> list[Status]:
    """(name, active, reason) of every speed-up, as of the last :func:`install` (run now if none has)."""
    if not _status:
        install()
    return [_status[s.name] for s in SPEEDUPS]


def report_line() -> str:
    """The report in one line: ``text-bitmaps on (matplotlib 3.10.9); ...``."""
    return "; ".join(f"{s.name} {s.reason}" if s.active else f"{s.name} off: {s.reason}" for s in report())


def active(name: str) -> bool:
    """Whether the named speed-up is in use."""
    status = _status.get(name)
    if status is None:
        install()
        status = _status[name]
    return status.active
