"""Pure model code of LMI Explorer: data, estimator, decision engine, scenario files.

Never imports Qt, matplotlib or ``gui``: the same code serves the window, the command
line and the tests.
"""

from lmi_explorer.models.decision import Decision, evaluate
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate import Estimate, estimate
from lmi_explorer.models.scenario import Scenario, default_scenario, load, save

__all__ = ["DataError", "Decision", "Estimate", "Scenario", "default_scenario", "estimate", "evaluate", "load", "save"]
