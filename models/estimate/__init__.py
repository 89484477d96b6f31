"""The estimator: memory, speed and cost of every deployment option for a scenario."""

from lmi_explorer.models.estimate.pipeline import OPTION_COLUMNS, Estimate, clear_caches, estimate

__all__ = ["OPTION_COLUMNS", "Estimate", "clear_caches", "estimate"]
