"""Run paper-b and write its tables, verdicts, ablation and report (each file atomically)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scoutsim.experiments.paperb import EXPERIMENTS, QUICK, SHARES, Results, run_experiments
from scoutsim.experiments.paperb_claims import CLAIMS, CLASSES, EVIDENCE, LUMOS_CAVEAT, PCT, PTS, judge_all
from scoutsim.experiments.paperb_profile import (CAPACITY_JITTER, CAPACITY_LADDER, INFERRED_CHAIN, NOT_MODELLED, PAPER, RELAXATIONS,
                                                 UNPUBLISHED, UPLINK_SCALED, VARIANTS)
from scoutsim.experiments.verdicts import FAILS, HOLDS, NOT_COMPARABLE, NOT_RUN, UNSURE

COLUMNS_SINGLE = (("on_time", "on time", PCT), ("quality_pct", "quality of mode sent, % of full KV", PTS),
                  ("quality_on_time_pct", "quality, misses = 0", PTS), ("fallback", "sent as scout", PCT))
COLUMNS_MULTI = (("rounds_all_on_time", "rounds all on time", PCT), ("on_time", "requests on time", PCT),
                 ("total_quality_pct", "total quality, sum of %", PTS),
                 ("total_quality_on_time_pct", "total, misses = 0", PTS))
DIFFERS = {(c.experiment, c.text): (c.differs, c.note) for c in CLAIMS if c.differs or c.note}
SHORT = {HOLDS: "holds", FAILS: "FAILS", UNSURE: "?", NOT_COMPARABLE: "n/a", NOT_RUN: "not run"}


def _grid(cells: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    return ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]


def format_tables(results: Results, variant: str = PAPER.name) -> str:
    out = []
    for exp in EXPERIMENTS:
        if exp.name in results.not_run:
            out.append(f"\n{exp.title}: NOT RUN. {results.not_run[exp.name]}")
            continue
        if not results.has(exp.name, variant):
            continue
        cols = COLUMNS_MULTI if exp.multi else COLUMNS_SINGLE
        reps = results.ci(exp.name, variant, exp.arms[0], "quality_on_time_pct").n
        out.append(f"\n{exp.title}; profile: {variant}; {reps} replications; mean [95 % CI]")
        cells = [["arm", *[c[1] for c in cols]]]
        for arm in exp.arms:
            cells.append([arm, *[results.ci(exp.name, variant, arm, m).text(**fmt) for m, _, fmt in cols]])
        out += _grid(cells)
    out.append("\nIntervals: every interval is a Student-t 95 % interval across replications, the independent "
               "units (shares of requests or rounds, " + ", ".join(SHARES) + ", from the per-replication shares, cut "
               "at [0, 1]; means and paired differences likewise). Quality of `local` is the study's 75 %, quoted.")
    return "\n".join(out)


RULE = ("Verdict rule (fixed before the rerun): a numeric claim holds when the study's number lies inside the "
        "rerun's 95 % interval across replications, widened on both sides by the claim's rounding tolerance (half "
        "a unit in the last digit the study printed, plus that of each rounded table entry the number is built "
        "from; 'about' figures +-2.5 points), and does not hold otherwise. A qualitative claim holds when the whole "
        "interval of the paired difference lies on the claimed side, does not hold when it lies on the other, and "
        "is inconclusive when it straddles. Classes: input (the number is fed in), arithmetic (it follows from the "
        "study's stated numbers alone), evidence (the simulation had to find it out); only evidence counts as "
        "reproduced.")


def format_claims(claims: pd.DataFrame, variant: str = PAPER.name) -> str:
    out = ["\n" + RULE]
    here = claims[claims["variant"] == variant]
    for source, title in (("study", "The study's own conclusions"),
                          ("implied", "Conclusions the study did not state (implied), kept apart")):
        out.append(f"\n{title}, judged under the `{variant}` profile "
                   "(holds / does not hold / inconclusive / not run) [class]:")
        for _, r in here[here["source"] == source].iterrows():
            out.append(f"- [{r['experiment']}] {r['claim']} (study: {r['study']}) [{r['class']}]")
            out.append(f"    {r['verdict'].upper():<14} {r['evidence']}")
            why, note = DIFFERS.get((r["experiment"], r["claim"]), ("", ""))
            if why and r["verdict"] != HOLDS:
                out.append(f"    why it differs: {why}")
            if note and variant == PAPER.name:
                out.append(f"    the numbers: {note}")
            if r["experiment"] == "lumos5g":
                out.append(f"    {LUMOS_CAVEAT}")
    out.append(f"\nSummary ({variant}), the study's own claims by class:")
    mine = here[here["source"] == "study"]
    for kind in CLASSES:
        counts = mine[mine["class"] == kind].groupby("verdict").size()
        label = "evidence (counts as reproduced)" if kind == EVIDENCE else f"{kind} (a consistency check only)"
        out.append(f"  {label}: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in SHORT))
    return "\n".join(out)


def format_sensitivities(claims: pd.DataFrame) -> str:
    """The inferred chain and the uplink-scaled Lumos5G runs beside the paper profile, and the
    allocator claims over the capacity jitter (fragile when the verdict changes within it)."""
    out = []
    for sens in (INFERRED_CHAIN, UPLINK_SCALED):
        part = claims[claims["variant"] == sens.name]
        if part.empty:
            continue
        out.append(f"\nSensitivity `{sens.name}`: {sens.text}. Verdict there (paper profile's in brackets):")
        paper = claims[claims["variant"] == PAPER.name].set_index(["experiment", "claim"])["verdict"]
        for _, r in part.iterrows():
            out.append(f"- [{r['experiment']}] {r['claim']} [{r['class']}]: {r['verdict'].upper()} "
                       f"({paper.get((r['experiment'], r['claim']), '-')}); {r['evidence']}")
    names = [v.name for v in CAPACITY_LADDER]
    jit = claims[claims["variant"].isin([j.name for j in CAPACITY_JITTER])]
    if jit.empty:
        return "\n".join(out)
    out.append("\nCapacity jitter: the allocator claims with the link's capacity at 0.98, 0.985, ..., 1.02 times the "
               "study's (9 points, verdicts listed from -2 % to +2 %). A verdict that changes within +-2 % rests on "
               "an exact boundary (an allocation that grants exactly what a mode needs): FRAGILE.")
    part = claims[claims["variant"].isin(names) & claims["experiment"].isin(set(jit["experiment"]))]
    for (exp, claim), g in part.groupby(["experiment", "claim"], sort=False):
        verdicts = g.set_index("variant")["verdict"].reindex(names)
        held = int((verdicts == HOLDS).sum())
        tag = "the same verdict throughout" if verdicts.nunique() == 1 else "FRAGILE"
        marks = " ".join(SHORT.get(v, "-") for v in verdicts)
        out.append(f"- [{exp}] {claim}: holds at {held} of {len(names)} capacities ({marks}): {tag}")
    return "\n".join(out)


def ablation_table(claims: pd.DataFrame) -> pd.DataFrame:
    """One row per claim (the study's, then implied), one column per variant: the verdict."""
    order = list(dict.fromkeys(zip(claims["source"], claims["experiment"], claims["claim"])))
    order.sort(key=lambda k: k[0] != "study")
    claims = claims[claims["variant"].isin([v.name for v in VARIANTS])]
    wide = claims.pivot_table(index=["source", "experiment", "claim"], columns="variant", values="verdict",
                              aggfunc="first")
    wide = wide.reindex(pd.MultiIndex.from_tuples(order, names=["source", "experiment", "claim"]))
    return wide[[v.name for v in VARIANTS if v.name in wide.columns]].reset_index()


def format_ablation(wide: pd.DataFrame) -> str:
    relax = [r.name for r in RELAXATIONS if r.name in wide.columns]
    out = ["\nAssumption ablation: each column relaxes one assumption of the `paper` profile; each cell is the "
           "claim's verdict there.", *[f"  {r.name:<10} {r.text}" for r in RELAXATIONS],
           *[f"  ({k}: {v})" for k, v in NOT_MODELLED.items()],
           "  Claims about rounds are n/a (not comparable) under poisson: there are no synchronised rounds. Under "
           "work_cons the exact-rate estimator reads the rate at the instant a device decides, before the round's "
           "other requests (arriving at the same instant) share the link, so devices pick modes the link cannot "
           "carry for all: the allocator claims' failures there are partly that artefact. "
           "'depends on' names the relaxations that change the paper profile's verdict."]
    cells = [["#", "claim", PAPER.name, *relax, "depends on"]]
    for i, r in wide.iterrows():
        base = r[PAPER.name]
        hangs = [v for v in relax if r[v] not in (base, NOT_COMPARABLE)]
        if hangs:
            dep = ", ".join(hangs)
        else:
            dep = {HOLDS: "robust", FAILS: "fails throughout", UNSURE: "never decided"}.get(base, "-")
        tag = "" if r["source"] == "study" else " (implied)"
        cells.append([str(i + 1), f"[{r['experiment']}] {r['claim']}{tag}"[:78],
                      *[SHORT.get(r[v], str(r[v])) for v in (PAPER.name, *relax)], dep])
    out += _grid(cells)
    return "\n".join(out)


def format_settings() -> str:
    out = ["\nSettings the study did not publish, the value this reproduction chose, and why:"]
    for name, value, why in UNPUBLISHED:
        out.append(f"- {name}: {value}. Why: {why}.")
    return "\n".join(out)


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
    wide = ablation_table(claims)
    mode = (f"quick mode: {QUICK['replications']} replications x {QUICK['duration_s']:g} s per setting"
            if quick else "full mode: each scenario's replications and duration")
    text = "\n".join([
        "Reproducing paper B (the study's simulation section, docs/study.md): the study's experiment as it was "
        "run (the `paper` profile: synchronised rounds, the n = 50 quality table, a transmission-only deadline, reserved slices, requests "
        "dropped at their deadline, the exact current rate), rerun with 95 % confidence intervals, then one "
        f"assumption relaxed at a time ({mode}). Quality is each device's F1 as % of its own full-KV F1.",
        format_settings(),
        format_tables(results),
        format_claims(claims),
        format_ablation(wide),
        format_sensitivities(claims),
    ])
    _write_csv(results.table(), out / "tables.csv")
    _write_csv(results.values, out / "replications.csv")
    _write_csv(claims, out / "claims.csv")
    _write_csv(wide, out / "ablation.csv")
    _write_text(out / "report.md", "```\n" + text + "\n```\n")
    return text
