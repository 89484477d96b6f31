"""Package discovery for the ``lmi_explorer`` namespace.

The repository keeps the top-level folders ``models/``, ``gui/``, ``data/`` and ``assets/``; they are
installed as ``lmi_explorer.models`` and so on. Every folder with an ``__init__.py`` below them is found
here, so a new subpackage can never be left out of the wheel. The rest of the metadata is in
``pyproject.toml``.
"""

from setuptools import find_packages, setup

TOP_LEVEL = ("models", "gui", "data", "assets")

packages = [
    f"lmi_explorer.{name}"
    for name in find_packages(include=[f"{top}*" for top in TOP_LEVEL])
    if name.split(".")[0] in TOP_LEVEL
]

setup(
    packages=packages,
    package_dir={f"lmi_explorer.{top}": top for top in TOP_LEVEL},
)
