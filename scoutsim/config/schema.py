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

FALLBACK = "+fallback"  # policy suffix: stop a transfer that can no longer be on time
FALLBACK_KINDS = ("local", "scout", "text")  # what a request may fall back to


class AnswerLength(Strict):
    """An assumed distribution of answer lengths (tokens) for a cache that gives none per
    sample: each sample of the pool draws its length once, so a question keeps it."""

    kind: Literal["uniform"]
    low: int = Field(ge=1)
    high: int = Field(ge=1)

    @model_validator(mode="after")
    def _order(self) -> "AnswerLength":
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be at least low ({self.low})")
        return self


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


def channel_block(value: Any) -> Any:
    """A channel block validated by its registered kind's config model."""
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


class Uplink(Strict):
    id: str = Field(min_length=1)
    channel: SerializeAsAny[ChannelConfig]
    allocator: str = "equal"
    sharing: Literal["work_conserving", "reserved", "time_share"] = "work_conserving"
    latency_ms: float = Field(default=0.0, ge=0)
    tcp: Optional[Tcp] = None
    # The cell model (DESIGN.md, "The cell and the network"; scoutsim/network/cell.py).
    scheduler: Optional[str] = None  # time_share only; default rr
    grant_delay_ms: Optional[float] = Field(default=None, ge=0)
    bler: Optional[float] = Field(default=None, ge=0, lt=1)
    harq_rtt_ms: Optional[float] = Field(default=None, ge=0)  # default 8 (LTE FDD)
    resource_blocks: Optional[int] = Field(default=None, ge=1)

    @field_validator("channel", mode="before")
    @classmethod
    def _channel_block(cls, value: Any) -> Any:
        return channel_block(value)

    @field_validator("scheduler")
    @classmethod
    def _scheduler(cls, value: Optional[str]) -> Optional[str]:
        from scoutsim.network.schedulers import SCHEDULERS

        return value if value is None else SCHEDULERS.validate(value)

    @model_validator(mode="after")
    def _time_share_keys(self) -> "Uplink":
        for key in ("scheduler", "resource_blocks"):
            if getattr(self, key) is not None and self.sharing != "time_share":
                raise ValueError(f"{key} needs sharing: time_share (got sharing: {self.sharing})")
        return self

    @property
    def uses_cell_model(self) -> bool:
        return self.sharing == "time_share" or any(
            getattr(self, k) is not None for k in ("grant_delay_ms", "bler", "harq_rtt_ms"))

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


class CloudSite(Cloud):
    id: str = Field(min_length=1)


class WiredLink(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: Optional[str] = None  # default: "<from>-<to>"
    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    mbps: float = Field(gt=0)
    latency_ms: float = Field(default=0.0, ge=0)

    @property
    def link_id(self) -> str:
        return self.id or f"{self.from_}-{self.to}"


class Topology(Strict):
    links: list[WiredLink] = Field(min_length=1)


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
    # The cell model: this device's own rate (link_quality x the cell's reference rate, or
    # its own channel) and the cloud site its requests go to.
    link_quality: Optional[float] = Field(default=None, gt=0)
    channel: Optional[SerializeAsAny[ChannelConfig]] = None
    cloud: Optional[str] = None

    @field_validator("channel", mode="before")
    @classmethod
    def _channel_block(cls, value: Any) -> Any:
        return value if value is None else channel_block(value)
    # A request still unfinished at its deadline is dropped: its transfer stops (the bytes
    # already sent are recorded) and it is a miss (DESIGN.md, "Decisions").
    abandon_at_deadline: bool = False
    # Or an assumed distribution of them, drawn once per sample (overrides the oracle's).
    answer_length: Optional[AnswerLength] = None
    # Does the prediction include the cloud's waiting time? true: estimated from this
    # device's own recent responses; exact: the queue's true wait (a bound).
    cloud_aware: Union[bool, Literal["exact"]] = False

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
        from scoutsim.decisions.policy import parse_policy

        return str(parse_policy(value))  # its ValueError names what is wrong

    @field_validator("estimator")
    @classmethod
    def _estimator(cls, value: str) -> str:
        from scoutsim.decisions.estimators import ESTIMATORS

        return ESTIMATORS.validate(value)

    @model_validator(mode="after")
    def _policy_modes(self) -> "AgentGroup":
        from scoutsim.decisions.policy import parse_policy

        if not self.modes and parse_policy(self.policy).uses_modes:
            raise ValueError(f"policy {self.policy.split(':', 1)[0]!r} needs a non-empty 'modes' list to choose from")
        if self.falls_back and not self.fallback_modes:
            raise ValueError(f"policy {self.policy!r} needs a mode to fall back to: one of kinds "
                             f"{', '.join(FALLBACK_KINDS)} in 'modes'")
        if self.link_quality is not None and self.channel is not None:
            raise ValueError("give link_quality or channel, not both: a device's own channel is its rate")
        return self

    @property
    def base_policy(self) -> str:
        return self.policy.removesuffix(FALLBACK)

    @property
    def falls_back(self) -> bool:
        return self.policy.endswith(FALLBACK)

    @property
    def fallback_modes(self) -> list[str]:
        """The modes a transfer stopped in flight may fall back to (``+fallback``)."""
        return [m for m in self.modes if parse_mode(m).kind in FALLBACK_KINDS]

    @property
    def candidate_modes(self) -> list[str]:
        """The modes this group may send: its policy's candidates (the static one, or the
        list it chooses from); with ``+fallback``, the fallback modes follow its own."""
        from scoutsim.decisions.policy import parse_policy

        own = parse_policy(self.policy).candidates(list(self.modes))
        if self.falls_back:
            own += [m for m in self.fallback_modes if m not in own]
        return own


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
    # Plug-in modules (names or .py paths relative to the scenario file), imported before the
    # rest of the scenario is validated (scoutsim/config/loader.py, scoutsim/plugins.py).
    plugins: list[str] = Field(default_factory=list)
    topology: Optional[Topology] = None
    clouds: Optional[list[CloudSite]] = Field(default=None, min_length=1)

    @property
    def uses_cell_model(self) -> bool:
        """Whether any key of "The cell and the network" is given; without them the world
        keeps the shared uplink's exact old code path."""
        return (self.topology is not None or self.clouds is not None
                or any(u.uses_cell_model for u in self.uplinks)
                or any(g.link_quality is not None or g.channel is not None or g.cloud is not None
                       for g in self.agents))

    def cloud_of(self, group: "AgentGroup") -> Cloud:
        """The compute site a group's requests go to: its `cloud` among `clouds`, the only
        one there, or the `cloud` block."""
        if self.clouds is None:
            return self.cloud
        if group.cloud is None:
            return self.clouds[0]
        return next(c for c in self.clouds if c.id == group.cloud)

    @model_validator(mode="after")
    def _warmup(self) -> "Scenario":
        if self.warmup_s >= self.duration_s:
            raise ValueError(f"warmup_s ({self.warmup_s:g}) must be shorter than duration_s ({self.duration_s:g})")
        return self
