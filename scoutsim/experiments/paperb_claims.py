"""The study's conclusions (paper B's simulation section) as tests on the rerun's intervals.

Every claim names the study's own figure, its class and a test, and is judged under every
variant (the ``paper`` profile, each relaxation, each sensitivity). Classes:

* ``input``: the number is fed in (a quality from the mode table, the quoted local 75 %);
  the rerun can only give it back;
* ``arithmetic``: it follows from the study's stated numbers alone (payload / rate against
  the deadline at a known rate, sums of table entries);
* ``evidence``: it depends on something the simulation has to find out (the channel's
  law over time, the traces, an allocation rule); only these count as "reproduced".

The verdict rule, one for every numeric claim (:func:`.verdicts.covers`): the claim holds
when the study's number lies inside the rerun's 95 % interval across replications, widened
by the claim's tolerance for the study's rounding (half a unit in the last digit it printed,
plus that of every rounded table entry the number is built from, stated per claim), and
does not hold otherwise. A qualitative claim ("higher than", "about equal", "more often")
holds when the whole interval of the paired difference lies on the claimed side, does not
hold when it lies on the other, and is inconclusive when it straddles. Claims the study did
not make but that its reasoning implies are marked ``implied`` and kept apart. Nothing here
is a stored result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from scoutsim.experiments.paperb import STUDY_LOCAL_PCT, Results, experiment
from scoutsim.experiments.paperb_profile import ALL_VARIANTS, VARIANTS
from scoutsim.experiments.verdicts import (FAILS, HOLDS, NOT_COMPARABLE, NOT_RUN, UNSURE, combine, covers, negative,
                                           positive, within)

PCT: dict[str, Any] = dict(scale=100.0, digits=1, unit=" %")  # Interval.text's keywords
PTS: dict[str, Any] = dict(scale=1.0, digits=1, unit="")
INPUT, ARITHMETIC, EVIDENCE = "input", "arithmetic", "evidence"
CLASSES = (EVIDENCE, ARITHMETIC, INPUT)


@dataclass(frozen=True)
class Claim:
    experiment: str
    text: str
    study: str  # the study's own figure, or why the claim is implied
    judge: Callable[[Results, str, str], tuple[str, str]]  # (results, experiment, variant) -> verdict, evidence
    kind: str  # INPUT, ARITHMETIC or EVIDENCE
    why: str  # why the claim is in its class
    implied: bool = False
    needs: tuple[str, ...] = ()  # other experiments the judge reads
    differs: str = ""  # the unpublished setting that explains a paper-profile verdict other than "holds"
    note: str = ""  # why the rerun's number and the study's differ even where the verdict agrees

    @property
    def about_rounds(self) -> bool:
        """Whether the claim reads a metric of rounds (every device's k-th request), which a
        variant without synchronised rounds does not have."""
        return ROUND_METRIC in getattr(self.judge, "metrics", ())


ROUND_METRIC = "rounds_all_on_time"


def _reads(*metrics: str):
    """Marks a judge with the metrics it reads (so a claim knows it is about rounds)."""
    def mark(judge):
        judge.metrics = metrics
        return judge
    return mark


def figure(arm: str, metric: str, value: float, tolerance: float, fmt=PCT):
    """A numeric claim: the study's ``value`` (in the metric's unit) inside the rerun's interval
    widened by ``tolerance`` (same unit)."""
    @_reads(metric)
    def judge(r: Results, exp: str, variant: str):
        ci = r.ci(exp, variant, arm, metric)
        scale, unit = fmt["scale"], fmt["unit"]
        return (covers(ci, value, tolerance),
                f"{arm}: {ci.text(**fmt)}; study {value * scale:g}{unit} +- {tolerance * scale:g}")
    return judge


def level_positive(arm: str, metric: str, fmt=PCT):
    """A share that the claim says is above zero: its interval lies above zero."""
    @_reads(metric)
    def judge(r: Results, exp: str, variant: str):
        ci = r.ci(exp, variant, arm, metric)
        return positive(ci), f"{arm}: {ci.text(**fmt)}"
    return judge


def paired(arm: str, base: str | Callable, metric: str, test, fmt=PCT):
    @_reads(metric)
    def judge(r: Results, exp: str, variant: str):
        b = base(r, exp, variant) if callable(base) else base
        d = r.diff(exp, variant, arm, b, metric)
        return test(d), f"{arm} - {b}: {d.text(**fmt)}"
    return judge


def all_of(*judges):
    @_reads(*(m for j in judges for m in getattr(j, "metrics", ())))
    def judge(r: Results, exp: str, variant: str):
        parts = [j(r, exp, variant) for j in judges]
        return combine([v for v, _ in parts]), "; ".join(e for _, e in parts)
    return judge


def best_static(metric: str):
    """The static mode with the highest mean: adaptive must beat the best of them."""
    def pick(r: Results, exp: str, variant: str) -> str:
        arms = [a for a in experiment(exp).arms if a.startswith("static:")]
        return max(arms, key=lambda a: r.ci(exp, variant, a, metric).mean)
    return pick


def across(other: str, arm: str, metric: str, higher: bool):
    """An unpaired comparison across experiments (different channels): the intervals do not
    overlap, this experiment's lying above (``higher``) or below the other's."""
    @_reads(metric)
    def judge(r: Results, exp: str, variant: str):
        mine, theirs = r.ci(exp, variant, arm, metric), r.ci(other, variant, arm, metric)
        top, bottom = (mine, theirs) if higher else (theirs, mine)
        if not (mine.defined and theirs.defined):
            verdict = UNSURE
        elif top.low > bottom.high:
            verdict = HOLDS
        else:
            verdict = FAILS if top.high <= bottom.low else UNSURE
        return verdict, f"{exp} {mine.text(**PCT)} vs {other} {theirs.text(**PCT)}"
    return judge


QUALITY_MAX_WHY = (
    "the quality-max rule is unpublished ('quality-maximizing greedy'). scoutsim's greedy (allocators.py "
    "QualityMax: each device's best mode that fits the whole mean rate, served in order of quality per needed "
    "bandwidth, each granted exactly that need until the link is spent) grants exactly a mode's need, so that "
    "mode is predicted to end exactly at the deadline and rounding decides whether it is sent: its verdicts sit "
    "on ties (see the capacity jitter)")
CHAIN_INT8 = (
    "INT8 (4.7 MB, 37.6 Mbit; the physics' 4.95 MB, 39.6 Mbit, misses on the same paths) misses a 5 s deadline "
    "only when the five 1 s steps carry less: three or more seconds at 5 Mbps and the rest at 10; how often "
    "that happens is set by the unpublished "
    "transition probabilities (here a birth-death chain, stay 0.8; see the inferred-chain sensitivity)")
CHAIN_1S = (
    "at 1 s mixed INT4 (2.6 MB) and INT4 (2.3 MB) fit only from 25 Mbps up: 4 of the 6 states, 66.7 % of the "
    "time under the uniform law used here; the study's 74.9 % says its (unpublished) chain spent more time high")
LUMOS_WHY = (
    "Lumos5G measured the downlink; the study's uplink runs, and how it scaled them, are unpublished (here: "
    "the shipped downlink runs at their own rates, mean 523 Mbps; see the uplink-scaled sensitivity); the "
    "exact-rate estimator knows the rate when a transfer starts, not its drops during it")
LUMOS_CAVEAT = ("caveat: the shipped Lumos5G runs measured the downlink and are used here as the uplink (mean "
                "523 Mbps); the uplink_x0.1 sensitivity scales them to uplink-like levels")
INT8_TWICE = ("the study printed two on-time shares for static INT8 on its Markov channel (88.3 % and, in a "
              "later comparison, 59 %); one chain cannot give both, so at most one of the two can hold")
SAME_SHARE = 0.02  # "equal" on-time shares: within 2 points
LOCAL_NOTE = f"the study's {STUDY_LOCAL_PCT:g} %, quoted (the cache's local equals bf16)"
# Rounding tolerances, in the metric's unit: half a unit in the last digit the study printed,
# plus that of each rounded table entry the figure is built from.
TENTH, WHOLE, ABOUT = 0.05, 0.5, 2.5  # percentage points: "88.3", "100", "about 75" (a multiple of 5)
TOTAL4 = TENTH + 4 * WHOLE  # a sum of four devices' table entries, the coarsest printed whole ("107 %", "96 %")
FED = "the mode table's entry is fed in: the rerun can only give it back"
FITS_5 = "{size} at the chain's lowest rate, 5 Mbps, takes {secs} s < 5 s: on time at every state"
SMALL = "adaptive chooses by the current rate among modes that include one that always fits"
STATIC = "{} is an input the rerun gives back; the comparison is between table entries"
RULE_ALLOC = ("the allocation and the mode each device can send follow from the payloads, the link's constant "
              "rate and the allocator's stated rule (equal: C / N; model-aware: C x KV_i / sum KV)")
GREEDY = "the quality-max rule is unpublished: the result depends on scoutsim's greedy (QualityMax)"

CLAIMS = (
    Claim("markov", "static INT8's quality is 99.6 % of full KV", "99.6 %",
          figure("static:int8", "quality_pct", 99.6, TENTH, PTS), INPUT, FED),
    Claim("markov", "static INT8 is on time in 88.3 % of rounds", "88.3 %",
          figure("static:int8", "on_time", 0.883, TENTH / 100), EVIDENCE,
          "depends on how long the chain stays at its low states, which the simulation finds out",
          differs=CHAIN_INT8, note=INT8_TWICE),
    Claim("markov", "static INT8 is on time in 59 % of rounds (the later comparison)", "59 %",
          figure("static:int8", "on_time", 0.59, WHOLE / 100), EVIDENCE,
          "the same as the 88.3 % claim, from the study's later adaptive/static comparison",
          differs=CHAIN_INT8, note=INT8_TWICE),
    Claim("markov", "static INT4's quality is 96.2 % of full KV", "96.2 %",
          figure("static:int4", "quality_pct", 96.2, TENTH, PTS), INPUT, FED),
    Claim("markov", "static INT4 is always on time", "100 %", figure("static:int4", "on_time", 1.0, WHOLE / 100),
          ARITHMETIC, FITS_5.format(size="2.3 MB", secs="3.68")),
    Claim("markov", "adaptive's quality is 107.1 % of full KV", "107.1 %",
          figure("adaptive", "quality_pct", 107.1, TENTH + WHOLE, PTS), INPUT,
          "mixed INT4 (107 % in the table, to the whole point) fits at every state (2.6 MB at 5 Mbps: 4.16 s), "
          "so adaptive always sends it: the table's entry comes back"),
    Claim("markov", "adaptive is always on time", "100 %", figure("adaptive", "on_time", 1.0, WHOLE / 100),
          ARITHMETIC, SMALL),
    Claim("markov", "scout alone's quality is 95.0 % of full KV", "95.0 %",
          figure("static:scout@0.5", "quality_pct", 95.0, TENTH, PTS), INPUT, FED),
    Claim("markov", "scout alone is always on time", "100 %",
          figure("static:scout@0.5", "on_time", 1.0, WHOLE / 100), ARITHMETIC, FITS_5.format(size="336 B",
                                                                                             secs="0.0005")),
    Claim("markov", "local answers at 75 % of full-KV quality", "75.0 %",
          figure("static:local", "quality_pct", STUDY_LOCAL_PCT, TENTH, PTS), INPUT, LOCAL_NOTE),
    Claim("markov", "local is always on time", "100 %", figure("static:local", "on_time", 1.0, WHOLE / 100),
          ARITHMETIC, "local sends nothing"),
    Claim("markov", "adaptive's quality is higher than static INT4's", "107.1 vs 96.2 %",
          paired("adaptive", "static:int4", "quality_pct", positive, PTS), ARITHMETIC, STATIC.format("each")),
    Claim("markov", "adaptive's quality is higher than scout alone's", "107.1 vs 95.0 %",
          paired("adaptive", "static:scout@0.5", "quality_pct", positive, PTS), ARITHMETIC, STATIC.format("each")),
    Claim("markov", "adaptive is on time more often than static INT8", "100 vs 88.3 %",
          paired("adaptive", "static:int8", "on_time", positive), ARITHMETIC,
          "adaptive always fits (above); INT8 cannot finish while the chain stays at 5 Mbps, a state it visits"),
    Claim("markov", "adaptive drops to scout when bandwidth is poor", "'falls back to scout'",
          level_positive("adaptive", "fallback"), ARITHMETIC,
          "mixed INT4 fits at the chain's lowest state (4.16 s at 5 Mbps), so no state is poor enough: the "
          "5 s Markov table leaves adaptive no reason to fall back"),
    Claim("markov_1s", "at 1 s, adaptive (KV modes only) is on time in 74.9 % of rounds", "74.9 %",
          figure("adaptive", "on_time", 0.749, TENTH / 100), EVIDENCE,
          "the share of time the chain spends at 25 Mbps or more, which the simulation finds out",
          differs=CHAIN_1S),
    Claim("markov_1s", "at 1 s, static INT4 is on time in 74.9 % of rounds", "74.9 %",
          figure("static:int4", "on_time", 0.749, TENTH / 100), EVIDENCE,
          "the share of time the chain spends at 25 Mbps or more", differs=CHAIN_1S),
    Claim("markov_1s", "at 1 s, adaptive (KV modes only) is on time as often as static INT4 (within 2 points)",
          "both 74.9 %", paired("adaptive", "static:int4", "on_time", lambda d: within(d, SAME_SHARE)), ARITHMETIC,
          "at 1 s mixed INT4 (2.6 MB) and INT4 (2.3 MB) both need 25 Mbps or more: the same states"),
    Claim("lumos5g", "static INT8 is on time in about 75 % of rounds", "about 75 %",
          figure("static:int8", "on_time", 0.75, ABOUT / 100), EVIDENCE, "set by the replayed traces",
          differs=LUMOS_WHY),
    Claim("lumos5g", "adaptive is always on time", "100 %", figure("adaptive", "on_time", 1.0, WHOLE / 100),
          EVIDENCE, "set by the replayed traces' drops during transfers", differs=LUMOS_WHY),
    Claim("lumos5g", "adaptive's quality is about 105 % of full KV", "about 105 %",
          figure("adaptive", "quality_pct", 105.0, ABOUT, PTS), EVIDENCE,
          "the mix of modes adaptive can send, set by the traces", differs=LUMOS_WHY),
    Claim("lumos5g", "scout alone is always on time", "100 %",
          figure("static:scout@0.5", "on_time", 1.0, WHOLE / 100), EVIDENCE,
          "336 B miss only in an outage, set by the traces", differs=LUMOS_WHY),
    Claim("lumos5g", "scout alone's quality is about 90 % of full KV", "about 90 %",
          figure("static:scout@0.5", "quality_pct", 90.0, ABOUT, PTS), INPUT,
          "scout's quality is the table's entry whatever the channel; the study's own scout figure is 95.0 % on "
          "its Markov channel, at 100 % on time on both, so 90 % cannot come from the same table"),
    Claim("lumos5g", "adaptive's quality is higher than scout alone's", "about 105 vs 90 %",
          paired("adaptive", "static:scout@0.5", "quality_pct", positive, PTS), EVIDENCE,
          "adaptive's mix of modes is set by the traces", differs=LUMOS_WHY),
    Claim("lumos5g", "adaptive drops to scout when bandwidth is poor", "'falls back to scout'",
          level_positive("adaptive", "fallback"), EVIDENCE, "whether the traces fall below INT4's need",
          differs=LUMOS_WHY),
    Claim("lumos5g", "adaptive falls back to scout more often on Lumos5G than on the Markov channel",
          "'the scout fallback triggers more often'", across("markov", "adaptive", "fallback", higher=True),
          EVIDENCE, "set by the traces and the chain", needs=("markov",), differs=LUMOS_WHY),
    Claim("lumos5g", "Lumos5G is harsher than the Markov channel: static INT8 is on time less often",
          "about 75 vs 88.3 %", across("markov", "static:int8", "on_time", higher=False), EVIDENCE,
          "set by the traces and the chain", needs=("markov",), differs=LUMOS_WHY),
    Claim("four_50", "equal split: all devices on time in 0 % of rounds", "0 %",
          figure("equal", "rounds_all_on_time", 0.0, WHOLE / 100), ARITHMETIC,
          "at C / 4 = 12.5 Mbps the 14B's smallest mode does not fit in 5 s"),
    Claim("four_50", "model-aware: all devices on time in 100 % of rounds", "100 %",
          figure("model_aware", "rounds_all_on_time", 1.0, WHOLE / 100), ARITHMETIC, RULE_ALLOC),
    Claim("four_50", "quality-max: all devices on time in 100 % of rounds", "100 %",
          figure("quality_max", "rounds_all_on_time", 1.0, WHOLE / 100), EVIDENCE, GREEDY, differs=QUALITY_MAX_WHY),
    Claim("four_50", "equal split's total quality is 405.8", "405.8",
          figure("equal", "total_quality_pct", 405.8, TOTAL4, PTS), ARITHMETIC, RULE_ALLOC),
    Claim("four_50", "model-aware's total quality is 405.9", "405.9",
          figure("model_aware", "total_quality_pct", 405.9, TOTAL4, PTS), ARITHMETIC, RULE_ALLOC),
    Claim("four_50", "quality-max's total quality is 408.0", "408.0",
          figure("quality_max", "total_quality_pct", 408.0, TOTAL4, PTS), EVIDENCE, GREEDY,
          differs=QUALITY_MAX_WHY),
    Claim("four_50", "model-aware has all devices on time more often than equal split", "100 vs 0 %",
          paired("model_aware", "equal", "rounds_all_on_time", positive), ARITHMETIC, RULE_ALLOC),
    Claim("four_50", "quality-max gives the highest total quality", "408.0 vs 405.9",
          paired("quality_max", "model_aware", "total_quality_pct", positive, PTS), EVIDENCE, GREEDY,
          differs=QUALITY_MAX_WHY),
    Claim("eight_100", "equal split: all devices on time in 0 % of rounds", "0 %",
          figure("equal", "rounds_all_on_time", 0.0, WHOLE / 100), ARITHMETIC,
          "at C / 8 = 12.5 Mbps the 14B's smallest mode does not fit in 5 s"),
    Claim("eight_100", "model-aware: all devices on time in 100 % of rounds", "100 %",
          figure("model_aware", "rounds_all_on_time", 1.0, WHOLE / 100), ARITHMETIC, RULE_ALLOC),
    Claim("eight_100", "quality-max: all devices on time in 5 % of rounds", "5 %",
          figure("quality_max", "rounds_all_on_time", 0.05, WHOLE / 100), EVIDENCE, GREEDY,
          differs=QUALITY_MAX_WHY),
    Claim("eight_100", "quality-max starves some devices: fewer rounds all on time than model-aware",
          "5 vs 100 %", paired("quality_max", "model_aware", "rounds_all_on_time", negative), EVIDENCE, GREEDY,
          differs=QUALITY_MAX_WHY),
    # Not the study's claims: what its reasoning implies, judged the same way.
    Claim("markov", "adaptive delivers the most quality on time (misses = 0) of all policies", "implied",
          paired("adaptive", best_static("quality_on_time_pct"), "quality_on_time_pct", positive, PTS), EVIDENCE,
          "set by the chain's misses", True),
    Claim("lumos5g", "adaptive delivers the most quality on time (misses = 0) of all policies", "implied",
          paired("adaptive", best_static("quality_on_time_pct"), "quality_on_time_pct", positive, PTS), EVIDENCE,
          "set by the traces' misses", True),
    Claim("markov_1s", "at 1 s, scout alone is on time more often than adaptive (a fallback would help)",
          "implied by the reviewers' point", paired("static:scout@0.5", "adaptive", "on_time", positive), EVIDENCE,
          "set by the chain", True),
    Claim("two_50", "N = 2: model-aware has all devices on time in 100 % of rounds",
          "implied (no N = 2 figures published)", figure("model_aware", "rounds_all_on_time", 1.0, WHOLE / 100),
          ARITHMETIC, RULE_ALLOC, True),
    Claim("two_50", "N = 2: equal split has all devices on time in 100 % of rounds too (the link is not short)",
          "implied (no N = 2 figures published)", figure("equal", "rounds_all_on_time", 1.0, WHOLE / 100),
          ARITHMETIC, RULE_ALLOC, True),
)


def judge_all(results: Results, variants=ALL_VARIANTS) -> pd.DataFrame:
    rows = []
    for c in CLAIMS:
        for v in variants:
            missing = [e for e in (c.experiment, *c.needs) if e in results.not_run]
            if missing and not (v in VARIANTS or v in experiment(c.experiment).sensitivities):
                continue
            if missing:
                verdict, evidence = NOT_RUN, " ".join(results.not_run[missing[0]].split())
            elif c.about_rounds and not v.rounds:
                if not results.has(c.experiment, v.name):
                    continue
                verdict, evidence = NOT_COMPARABLE, f"no synchronised rounds under {v.name}"
            elif not all(results.has(e, v.name) for e in (c.experiment, *c.needs)):
                continue
            else:
                verdict, evidence = c.judge(results, c.experiment, v.name)
            rows.append({"experiment": c.experiment, "claim": c.text, "study": c.study,
                         "source": "implied" if c.implied else "study", "class": c.kind, "variant": v.name,
                         "verdict": verdict, "evidence": evidence})
    return pd.DataFrame(rows, columns=["experiment", "claim", "study", "source", "class", "variant", "verdict",
                                       "evidence"])


VERDICT_ORDER = (HOLDS, FAILS, UNSURE, NOT_COMPARABLE, NOT_RUN)
