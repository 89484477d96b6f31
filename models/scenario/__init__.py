"""The scenario: its snapshot (``model``), validation, files on disk (``files``) and autosave."""

from lmi_explorer.models.scenario.files import (
    MAX_SCENARIO_BYTES,
    MIGRATIONS,
    SCHEMA_VERSION,
    dumps,
    from_dict,
    load,
    loads,
    save,
    to_dict,
)
from lmi_explorer.models.scenario.model import (
    DEFAULT_MODEL,
    DEFAULTS,
    Deployment,
    PriceList,
    Scenario,
    Traffic,
    default_scenario,
)
from lmi_explorer.models.scenario.validation import (
    ARCH_CLASSES,
    HARDWARE_CHOICES,
    KV_DTYPES,
    PLATFORMS,
    PRICING_OPTIONS,
    validate,
)

__all__ = [
    "ARCH_CLASSES",
    "DEFAULTS",
    "DEFAULT_MODEL",
    "HARDWARE_CHOICES",
    "KV_DTYPES",
    "MAX_SCENARIO_BYTES",
    "MIGRATIONS",
    "PLATFORMS",
    "PRICING_OPTIONS",
    "SCHEMA_VERSION",
    "Deployment",
    "PriceList",
    "Scenario",
    "Traffic",
    "default_scenario",
    "dumps",
    "from_dict",
    "load",
    "loads",
    "save",
    "to_dict",
    "validate",
]
