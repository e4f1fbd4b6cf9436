"""Shared fixtures: where the measured data sets live and how to read their SOURCE.md."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Opt-in: the measured data sets that may not be redistributed (traces/README.md) are read
# from SCOUTSIM_SHARED_TRACES, or from a folder beside the checkout where a CI machine keeps
# them. Without them the tests that need them skip and say so (docs/install.md).
SHARED_TRACES = Path(os.environ.get("SCOUTSIM_SHARED_TRACES", REPO / ".." / "shared" / "traces")).resolve()


@pytest.fixture(scope="session")
def shared_traces() -> Path:
    if not SHARED_TRACES.is_dir():
        pytest.skip(f"opt-in: measured traces not found at {SHARED_TRACES}; set SCOUTSIM_SHARED_TRACES "
                    "to the downloaded data sets (docs/install.md)")
    return SHARED_TRACES


def _number(text: str) -> float:
    return float(text.strip().replace(",", ""))


def source_table(folder: Path) -> dict[str, dict[str, float]]:
    """The characterisation table of a data set's SOURCE.md: first column -> {column: value}.

    Expected figures in the tests come from here, i.e. from what the data set's curator
    published, never from scoutsim's own output.
    """
    text = (folder / "SOURCE.md").read_text()
    rows: dict[str, dict[str, float]] = {}
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None if not line.strip() else header
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        if "mean" in header and "median" in header:
            values = {}
            for name, cell in zip(header[1:], cells[1:]):
                if re.fullmatch(r"-?[\d.,]+", cell):
                    values[name] = _number(cell)
            rows[cells[0]] = values
    return rows
