"""Package data that lives outside the package directory.

The shipped scenarios, oracle caches, traces and the stored ns-3 reference of ``bench lte
--family`` stay where they are in the checkout (their place is part of the project's layout);
the wheel carries them as ``scoutsim/_shipped/<folder>`` so that an installed scoutsim runs
them from any directory (``scoutsim/shipped.py`` finds them in either place). Everything
else is in pyproject.toml.
"""

from setuptools import find_packages, setup

SHIPPED = {
    "scenarios": ["*.yaml", "*/*.yaml"],
    "oracle_cache": ["*/meta.json", "*/README.md", "*/*.parquet"],
    # Only what git tracks: traces/real/ holds a user's own imports, never shipped.
    "traces": ["README.md", "synthetic_*.csv", "synthetic_*.json", "lumos5g/*.csv", "lumos5g/*.json",
               "lumos5g/README.md", "lumos5g/LICENSE*"],
    "benchmarks/data": ["*.json"],
}
PACKAGES = {name: "scoutsim._shipped." + name.replace("/", ".") for name in SHIPPED}

setup(
    packages=find_packages(include=["scoutsim", "scoutsim.*"]) + list(PACKAGES.values()),
    package_dir={PACKAGES[name]: name for name in SHIPPED},
    package_data={"scoutsim": ["py.typed", "network/*.csv"], **{PACKAGES[name]: globs for name, globs in SHIPPED.items()}},
)
