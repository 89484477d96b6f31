"""Pure model code of LMI Explorer: data, estimator, decision engine, scenario files.

Never imports Qt, matplotlib or ``gui``: the same code serves the window, the command
line and the tests.
"""

from models._resources import DataError
from models.decision import Decision, evaluate
from models.estimate import Estimate, estimate
from models.scenario import Scenario, default_scenario, load, save

__all__ = ["DataError", "Decision", "Estimate", "Scenario", "default_scenario", "estimate", "evaluate", "load", "save"]
