"""What each mode option costs a device: the option itself (:class:`ModeOption`), the tables
a group's agents share (:func:`option_tables`), and a question's (payload bytes, edge
seconds, cloud seconds) per option (:func:`first_costs`), which the agent keeps by question
(``Agent._all_costs``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scoutsim.modes import Mode
from scoutsim.oraclecache import QualityDraws
from scoutsim.physics.payload import sent_bytes


@dataclass
class ModeOption:
    name: str
    mode: Mode
    quality: QualityDraws


# What a request a policy declined (scoutsim.decisions.policy.DECLINE) is recorded in: no mode,
# no quality (its f1 is NaN; it is a miss).
DECLINED = ModeOption("declined", None, QualityDraws({}, math.nan, 0))  # type: ignore[arg-type]


def option_tables(options: list[ModeOption]) -> tuple[tuple[bool, ...], tuple[str, ...], tuple[float, ...]]:
    # Tuples: a group's agents share them, and a policy is handed them in its Situation.
    return (tuple(opt.mode.uses_uplink for opt in options), tuple(opt.name for opt in options),
            tuple(opt.quality.mean for opt in options))


def first_costs(agent, q, key) -> list[tuple[float, float, float]]:
    """A question's costs the first time this replication meets them: worked out, or
    taken from an earlier replication with the timing extrapolations they took counted
    again, so that the oracle's count is the same whatever was remembered."""
    oracle = agent.compute.oracle
    memo = agent._memo
    found = memo.get(key) if memo is not None else None
    if found is not None:
        oracle.extrapolated += found[1]
        return found[0]
    before = oracle.extrapolated
    hit = []
    for opt in agent.options:
        mode = opt.mode
        size = sent_bytes(opt.name, agent.spec.payload_bytes, agent.shape, mode, q.tokens,
                          context_bytes=q.context_bytes, question_bytes=q.question_bytes,
                          context_at_cloud=agent.spec.context_at_cloud)
        hit.append((float(size), agent.compute.edge_seconds(mode, q.tokens, q.answer_tokens),
                    agent.compute.cloud_seconds(mode, q.tokens, q.answer_tokens)))
    if memo is not None:
        memo[key] = (hit, oracle.extrapolated - before)
    return hit
