"""Instances and money: replicas for the peak rate, instances, monthly cost, cost per token."""

from __future__ import annotations

import numpy as np


def replicas_needed(peak_rps: float, capacity_rps: np.ndarray, utilisation: float) -> np.ndarray:
    """``ceil(peak_rps / (X(B*) × utilisation))`` per option (0 where capacity is 0 or unknown)."""
    cap = np.asarray(capacity_rps, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.ceil(peak_rps / (cap * utilisation))
    return np.where(np.isfinite(need) & (cap > 0), need, 0).astype(np.int64)


def instances_needed(replicas: np.ndarray, replicas_per_instance: np.ndarray, min_instances: int) -> np.ndarray:
    """``max(min_instances, ceil(replicas / replicas_per_instance))``."""
    r = np.asarray(replicas, dtype=np.int64)
    per = np.maximum(np.asarray(replicas_per_instance, dtype=np.int64), 1)
    return np.maximum(min_instances, -(-r // per))


def monthly_usd(instances: np.ndarray, hourly_usd: np.ndarray, hours_per_month: float) -> np.ndarray:
    """``instances × hourly price × hours``; NaN stays NaN (price unknown is never $0)."""
    return np.asarray(instances, dtype=float) * np.asarray(hourly_usd, dtype=float) * hours_per_month


def usd_per_million_tokens(
    monthly: np.ndarray, requests_per_s: float, hours_per_month: float, tokens_per_request: float
) -> np.ndarray:
    """Monthly cost over the tokens served in that month at the mean rate, per million."""
    tokens = requests_per_s * 3600.0 * hours_per_month * tokens_per_request
    return np.asarray(monthly, dtype=float) / tokens * 1e6
