"""Pydantic models of the scenario contract (DESIGN.md, "Scenario YAML").

Unknown keys are errors everywhere (``extra="forbid"``). Channel blocks are validated by the
config model that each registered channel kind declares (``Channel.Config``), so a plug-in
channel brings its own keys without changes here.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError, field_validator, model_validator

from scoutsim.network.channels.base import ChannelConfig
from scoutsim.modes import ModeError, parse_mode


def key_path(loc: tuple, prefix: str = "") -> str:
    """('agents', 0, 'arrival', 'poisson', 'rate_per_s') -> 'agents[0].arrival.rate_per_s'."""
    out = prefix
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i > 0 and loc[i - 1] == "arrival" and part in ("poisson", "periodic"):
            continue  # the discriminator's tag is not a key the user wrote
        else:
            out += f".{part}" if out else str(part)
    return out


def describe_errors(errors: list[dict], prefix: str) -> str:
    lines = []
    for err in errors:
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        got = err.get("input")
        shown = "" if err["type"] in ("missing", "extra_forbidden") or isinstance(got, (dict, list)) else f" (got {got!r})"
        where = key_path(tuple(err["loc"]), prefix)
        lines.append(f"{where}: {msg}{shown}" if where else f"{msg}{shown}")
    return "; ".join(lines)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PoissonArrival(Strict):
    kind: Literal["poisson"]
    rate_per_s: float = Field(gt=0)


class PeriodicArrival(Strict):
    kind: Literal["periodic"]
    period_s: float = Field(gt=0)
    # Time of the first arrival; by default each agent gets a uniform random phase in
    # [0, period) from its arrival stream, so that periodic agents do not arrive in lockstep.
    offset_s: Optional[float] = Field(default=None, ge=0)


Arrival = Union[PoissonArrival, PeriodicArrival]


class Tcp(Strict):
    """TCP corrections to the uplink's fluid model (scoutsim/network/tcp.py); an uplink without a
    ``tcp`` block is the plain fluid model."""

    rtt_ms: Optional[float] = Field(default=None, gt=0)  # default: twice latency_ms
    init_cwnd: int = Field(default=10, ge=1)  # segments
    mss: int = Field(default=1448, ge=1)  # payload bytes per segment
    header: int = Field(default=52, ge=0)  # bytes per segment on the wire besides the payload
    loss: float = Field(default=0.0, ge=0, lt=1)  # packet loss probability
    beta: float = Field(default=0.7, gt=0, lt=1)  # window kept after a loss (CUBIC 0.7, Reno 0.5)
    growth: float = Field(default=2.0, gt=1)  # slow start's window growth per RTT
    handshake: bool = True  # one RTT before the first byte


class Uplink(Strict):
    id: str = Field(min_length=1)
    channel: SerializeAsAny[ChannelConfig]
    allocator: str = "equal"
    sharing: Literal["work_conserving", "reserved"] = "work_conserving"
    latency_ms: float = Field(default=0.0, ge=0)
    tcp: Optional[Tcp] = None

    @field_validator("channel", mode="before")
    @classmethod
    def _channel_block(cls, value: Any) -> Any:
        from scoutsim.network.channels import CHANNELS

        if not isinstance(value, dict):
            raise ValueError("expected a mapping with a 'kind' key")
        kind = value.get("kind")
        if kind not in CHANNELS:
            raise ValueError(f"unknown channel kind {kind!r}; expected one of {CHANNELS.names()}")
        try:
            return CHANNELS.get(kind).Config.model_validate(value)
        except ValidationError as exc:
            raise ValueError(describe_errors(exc.errors(), prefix="")) from None

    @field_validator("allocator")
    @classmethod
    def _allocator(cls, value: str) -> str:
        from scoutsim.decisions.allocators import ALLOCATORS

        return ALLOCATORS.validate(value)


class Cloud(Strict):
    slowdown: float = Field(default=1.0, gt=0)
    gpus: int = Field(default=1, ge=1)
    # Overrides the oracle's measured prefill with a throughput (tokens per second).
    prefill_tokens_per_s: Optional[float] = Field(default=None, gt=0)


class AgentGroup(Strict):
    count: int = Field(default=1, ge=1)
    name: Optional[str] = None
    edge_model: str
    cloud_model: str
    uplink: str
    edge_slowdown: float = Field(default=1.0, gt=0)
    edge_prefill_tokens_per_s: Optional[float] = Field(default=None, gt=0)
    arrival: Arrival = Field(discriminator="kind")
    context_tokens: Optional[int] = Field(default=None, ge=1)
    context_at_cloud: bool = True
    deadline_s: float = Field(gt=0)
    policy: str = "adaptive"
    modes: list[str] = Field(default_factory=list)
    estimator: str = "harmonic"
    # Answer length for deadline_on: answer when the oracle gives none per sample.
    answer_tokens: Optional[int] = Field(default=None, ge=1)

    @field_validator("modes")
    @classmethod
    def _modes(cls, value: list[str]) -> list[str]:
        out = []
        for i, m in enumerate(value):
            try:
                out.append(str(parse_mode(m)))
            except ModeError as exc:
                raise ValueError(f"modes[{i}]: {exc}") from None
        if len(set(out)) != len(out):
            raise ValueError(f"modes list a mode twice: {value}")
        return out

    @field_validator("policy")
    @classmethod
    def _policy(cls, value: str) -> str:
        if value == "adaptive":
            return value
        if value.startswith("static:"):
            try:
                return "static:" + str(parse_mode(value[len("static:"):]))
            except ModeError as exc:
                raise ValueError(str(exc)) from None
        raise ValueError(f"policy {value!r}; expected 'adaptive' or 'static:<mode>'")

    @field_validator("estimator")
    @classmethod
    def _estimator(cls, value: str) -> str:
        from scoutsim.decisions.estimators import ESTIMATORS

        return ESTIMATORS.validate(value)

    @model_validator(mode="after")
    def _policy_modes(self) -> "AgentGroup":
        if self.policy == "adaptive" and not self.modes:
            raise ValueError("policy 'adaptive' needs a non-empty 'modes' list to choose from")
        return self

    @property
    def candidate_modes(self) -> list[str]:
        """The modes this group may send: the static one, or the adaptive list."""
        if self.policy.startswith("static:"):
            return [self.policy[len("static:"):]]
        return list(self.modes)


class Scenario(Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    seed: int = Field(default=0, ge=0)
    replications: int = Field(default=10, ge=1)
    duration_s: float = Field(gt=0)
    # Requests still in flight this long after the last arrival are recorded as misses.
    drain_s: Optional[float] = Field(default=None, gt=0)
    # Requests arriving before this time are simulated and recorded but left out of the
    # summary, so that steady-state metrics do not carry the empty-system start.
    warmup_s: float = Field(default=0.0, ge=0)
    oracle: str
    deadline_on: Literal["first_token", "answer"] = "first_token"
    # per_device: every device draws its own arrivals and questions (one pending event per
    # device). superposed: one stream per agent group (scoutsim/sim/arrivals.py): the same
    # arrival processes, other draws, one pending event per group.
    arrivals: Literal["per_device", "superposed"] = "per_device"
    uplinks: list[Uplink] = Field(min_length=1)
    cloud: Cloud = Cloud()
    agents: list[AgentGroup] = Field(min_length=1)

    @model_validator(mode="after")
    def _warmup(self) -> "Scenario":
        if self.warmup_s >= self.duration_s:
            raise ValueError(f"warmup_s ({self.warmup_s:g}) must be shorter than duration_s ({self.duration_s:g})")
        return self
