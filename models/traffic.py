"""Token-length distributions: log-normal by mean and spread, truncated to the context.

"Even" and "uneven" traffic in the LMI guide become numbers here: the coefficient of
variation (CV) of input and output lengths, their percentiles, and the share of
requests a compiled backend's bounds would turn away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from lmi_explorer.models.tables import Column, read_table

_STD = NormalDist()

PRESET_SCHEMA: dict[str, Column] = {
    "preset": Column("str"),
    "label": Column("str"),
    "input_mean": Column("float", minimum=1, maximum=10_000_000),
    "input_cv": Column("float", minimum=0, maximum=5),
    "output_mean": Column("float", minimum=1, maximum=10_000_000),
    "output_cv": Column("float", minimum=0, maximum=5),
    "ttft_s": Column("float", minimum=0.001, maximum=3600),
    "tpot_ms": Column("float", minimum=0.1, maximum=100_000),
}

#: CV below which a length is treated as fixed (the log-normal degenerates).
MIN_CV = 1e-6


@dataclass(frozen=True, slots=True)
class LengthDistribution:
    """Log-normal token length with the given (untruncated) mean and CV, cut at ``upper``.

    Parameters
    ----------
    mean : float
        Mean length in tokens before truncation.
    cv : float
        Coefficient of variation (standard deviation / mean), 0 = every request alike.
    upper : float
        Largest possible length in tokens (the model's context).
    """

    mean: float
    cv: float
    upper: float

    @property
    def sigma(self) -> float:
        return math.sqrt(math.log1p(self.cv**2))

    @property
    def mu(self) -> float:
        return math.log(self.mean) - self.sigma**2 / 2

    def _cdf_raw(self, x: float) -> float:
        if x <= 0:
            return 0.0
        if self.cv < MIN_CV:
            return 1.0 if x >= self.mean else 0.0
        return _STD.cdf((math.log(x) - self.mu) / self.sigma)

    @property
    def mass(self) -> float:
        """Share of the untruncated distribution below the cut."""
        return max(self._cdf_raw(self.upper), 1e-12)

    def cdf(self, x: float) -> float:
        """P(length <= x) of the truncated distribution."""
        if x >= self.upper:
            return 1.0
        return min(1.0, self._cdf_raw(x) / self.mass)

    def quantile(self, p: float) -> float:
        """Length (tokens) at probability ``p`` of the truncated distribution."""
        p = min(max(p, 1e-9), 1 - 1e-12)
        if self.cv < MIN_CV:
            return min(self.mean, self.upper)
        z = _STD.inv_cdf(min(p * self.mass, 1 - 1e-12))
        return min(math.exp(self.mu + self.sigma * z), self.upper)

    @property
    def truncated_mean(self) -> float:
        """Mean of the truncated distribution (what the server actually sees)."""
        if self.cv < MIN_CV:
            return min(self.mean, self.upper)
        s = self.sigma
        a = (math.log(self.upper) - self.mu) / s
        if _STD.cdf(a) < 1e-9:
            # nearly all of the distribution lies beyond the cut: requests pile up at the cut
            return self.upper
        num = math.exp(self.mu + s * s / 2) * _STD.cdf(a - s)
        return max(min(num / _STD.cdf(a), self.upper), min(1.0, self.upper))

    def share_above(self, bound: float) -> float:
        """Share of requests longer than ``bound`` tokens."""
        return max(0.0, 1.0 - self.cdf(bound))

    def density(self, edges: np.ndarray) -> np.ndarray:
        """Share of requests in each bin between consecutive ``edges`` (for histograms)."""
        cdfs = np.array([self.cdf(float(x)) for x in edges])
        return np.diff(cdfs)


@dataclass(frozen=True, slots=True)
class TrafficShape:
    """Input and output length distributions of one scenario, cut to the model's context."""

    input: LengthDistribution
    output: LengthDistribution

    @property
    def spread(self) -> float:
        """The larger of the two CVs: the number behind 'even' versus 'uneven'."""
        return max(self.input.cv, self.output.cv)

    def bounds(self, percentile: float) -> tuple[float, float]:
        """(input, output) bound in tokens at a percentile, as a compiled backend would be built."""
        return (math.ceil(self.input.quantile(percentile)), math.ceil(self.output.quantile(percentile)))

    def share_beyond(self, bound_in: float, bound_out: float) -> float:
        """Share of requests exceeding either bound (lengths taken as independent)."""
        return 1.0 - (1.0 - self.input.share_above(bound_in)) * (1.0 - self.output.share_above(bound_out))


def make_shape(input_mean: float, input_cv: float, output_mean: float, output_cv: float, context: int) -> TrafficShape:
    """Build the shape; inputs are cut at context - 1, outputs at what the mean input leaves."""
    inp = LengthDistribution(input_mean, input_cv, float(max(context - 1, 1)))
    room = max(context - inp.truncated_mean, 1.0)
    out = LengthDistribution(output_mean, output_cv, float(room))
    return TrafficShape(inp, out)


@dataclass(frozen=True, slots=True)
class Preset:
    preset: str
    label: str
    input_mean: float
    input_cv: float
    output_mean: float
    output_cv: float
    ttft_s: float
    tpot_ms: float
    source: str


@lru_cache(maxsize=1)
def load_presets() -> dict[str, Preset]:
    """Traffic presets (Chatbot, Code generation, RAG, Summarisation, Extraction)."""
    frame = read_table("traffic/presets.csv", PRESET_SCHEMA)
    return {
        r["preset"]: Preset(
            r["preset"],
            r["label"],
            r["input_mean"],
            r["input_cv"],
            r["output_mean"],
            r["output_cv"],
            r["ttft_s"],
            r["tpot_ms"],
            r["source"],
        )
        for r in frame.records
    }
