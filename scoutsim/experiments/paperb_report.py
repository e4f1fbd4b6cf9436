"""Run paper-b and write its tables, verdicts and report (each file atomically)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scoutsim.experiments.paperb import QUICK, run_experiments
from scoutsim.experiments.paperb_claims import format_claims, format_tables, judge_all


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    df.to_csv(tmp, index=False, float_format="%.10g")
    tmp.replace(path)


def reproduce(out: Path, *, quick: bool, workers: int, progress: bool = True) -> str:
    out.mkdir(parents=True, exist_ok=True)
    results = run_experiments(out, quick=quick, workers=workers, progress=progress)
    claims = judge_all(results)
    mode = (f"quick mode: {QUICK['replications']} replications x {QUICK['duration_s']:g} s per setting"
            if quick else "full mode: each scenario's replications and duration")
    text = "\n".join([
        "Reproducing paper B (RESEARCH.md s4): the study's settings, rerun with 95 % confidence intervals",
        f"({mode}; oracle: published-squad-v2, the study's own n = 200 / n = 50 figures; quality is each "
        "device's F1 as % of its own full-KV F1).",
        format_tables(results),
        format_claims(claims),
    ])
    _write_csv(results.table(), out / "tables.csv")
    _write_csv(results.values, out / "replications.csv")
    _write_csv(claims, out / "claims.csv")
    _write_text(out / "report.md", "```\n" + text + "\n```\n")
    return text
