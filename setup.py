"""Package data that lives outside the package directory.

The shipped scenarios, oracle caches and traces stay at the top of the checkout (their
place is part of the project's layout); the wheel carries them as ``scoutsim/_shipped/<folder>``
so that an installed scoutsim runs them from any directory (``scoutsim/shipped.py`` finds
them in either place). Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

SHIPPED = {
    "scenarios": ["*.yaml", "*/*.yaml"],
    "oracle_cache": ["*/meta.json", "*/README.md", "*/*.parquet"],
    # Only what git tracks: traces/real/ holds a user's own imports, never shipped.
    "traces": ["README.md", "synthetic_*.csv", "synthetic_*.json", "lumos5g/*.csv", "lumos5g/*.json",
               "lumos5g/README.md", "lumos5g/LICENSE*"],
}

setup(
    packages=find_packages(include=["scoutsim", "scoutsim.*"]) + [f"scoutsim._shipped.{name}" for name in SHIPPED],
    package_dir={f"scoutsim._shipped.{name}": name for name in SHIPPED},
    package_data={"scoutsim": ["py.typed"], **{f"scoutsim._shipped.{name}": globs for name, globs in SHIPPED.items()}},
)
