"""Pydantic models of the scenario contract (docs/scenarios.md).

Unknown keys are errors everywhere (``extra="forbid"``). Channel blocks are validated by the
config model that each registered channel kind declares (``Channel.Config``), so a plug-in
channel brings its own keys without changes here.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError, field_validator, model_validator

from scoutsim.config.messages import describe_errors
from scoutsim.network.channels.base import ChannelConfig
from scoutsim.modes import ModeError, parse_mode


MAX_AGENTS = 10**6
# The strings pydantic reads as a boolean (its lax mode).
_BOOL_WORDS = frozenset({"0", "off", "f", "false", "n", "no", "1", "on", "t", "true", "y", "yes"})
MAX_REQUESTS = 10**8


class Strict(BaseModel):
    # NaN passes every bound check (all comparisons are false) and an infinite duration or
    # rate never ends a run, so neither is a valid number anywhere in a scenario.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PoissonArrival(Strict):
    kind: Literal["poisson"] = Field(description="arrival process: Poisson (exponential gaps)")
    rate_per_s: float = Field(gt=0, description="mean requests per second of each agent (1/s)")


class PeriodicArrival(Strict):
    kind: Literal["periodic"] = Field(description="arrival process: one request every period_s")
    period_s: float = Field(gt=0, description="seconds between an agent's requests (s)")
    # Time of the first arrival; by default each agent gets a uniform random phase in
    # [0, period) from its arrival stream, so that periodic agents do not arrive in lockstep.
    offset_s: Optional[float] = Field(default=None, ge=0, description="time of the first arrival (s); default: a uniform random phase in [0, period_s) per agent")


Arrival = Union[PoissonArrival, PeriodicArrival]

FALLBACK = "+fallback"  # policy suffix: stop a transfer that can no longer be on time
FALLBACK_KINDS = ("local", "scout", "text")  # what a request may fall back to


class EstimatorWarmup(Strict):
    """How much a device must observe before its rate estimate leaves the prior (either
    threshold suffices; the defaults are ExoPlayer's DefaultBandwidthMeter's)."""

    bytes: float = Field(default=524288.0, ge=0, description="bytes acknowledged over the device's transfers so far")
    seconds: float = Field(default=2.0, ge=0, description="seconds on the link over the device's transfers so far")


class AnswerLength(Strict):
    """An assumed distribution of answer lengths (tokens) for a cache that gives none per
    sample: each sample of the pool draws its length once, so a question keeps it."""

    kind: Literal["uniform"] = Field(description="uniform: every length from low to high equally likely")
    low: int = Field(ge=1, description="shortest answer (tokens)")
    high: int = Field(ge=1, description="longest answer (tokens)")

    @model_validator(mode="after")
    def _order(self) -> "AnswerLength":
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be at least low ({self.low})")
        return self


class Tcp(Strict):
    """TCP corrections to the uplink's fluid model (scoutsim/network/tcp.py); an uplink without a
    ``tcp`` block is the plain fluid model."""

    rtt_ms: Optional[float] = Field(default=None, gt=0, description="round-trip time (ms); default: twice the uplink's latency_ms")
    init_cwnd: int = Field(default=10, ge=1, description="initial congestion window (segments)")
    mss: int = Field(default=1448, ge=1, description="payload bytes per segment (bytes)")
    header: int = Field(default=52, ge=0, description="bytes per segment on the wire besides the payload (bytes)")
    loss: float = Field(default=0.0, ge=0, lt=1, description="packet loss probability (0..1)")
    beta: float = Field(default=0.7, gt=0, lt=1, description="fraction of the window kept after a loss (CUBIC 0.7, Reno 0.5)")
    growth: float = Field(default=2.0, gt=1, description="slow start's window growth factor per RTT")
    handshake: bool = Field(default=True, description="pay one RTT (the TCP handshake) before the first byte")


def channel_block(value: Any) -> Any:
    """A channel block validated by its registered kind's config model."""
    from scoutsim.network.channels import CHANNELS

    if not isinstance(value, dict):
        raise ValueError("expected a mapping with a 'kind' key")
    kind = value.get("kind")
    if not isinstance(kind, str) or kind not in CHANNELS:
        raise ValueError(f"unknown channel kind {kind!r}; expected one of {CHANNELS.names()}")
    try:
        return CHANNELS.get(kind).Config.model_validate(value)
    except ValidationError as exc:
        raise ValueError(describe_errors(exc.errors(), prefix="")) from None


class Uplink(Strict):
    id: str = Field(min_length=1, description="name that agent groups refer to in their `uplink` key")
    channel: SerializeAsAny[ChannelConfig] = Field(description="the uplink's capacity process C(t); one of the registered channel kinds (see Channels)")
    allocator: str = Field(default="equal", description="how agents are weighted when sharing C(t); a registered allocator")
    sharing: Literal["work_conserving", "reserved", "time_share"] = Field(default="work_conserving", description="work_conserving: C(t) split among transfers in flight by weight; reserved: each agent owns C(t) w_i / sum(w) over all agents (slicing); time_share: the cell shares time among devices with data, each at its own rate (scheduler)")
    latency_ms: float = Field(default=0.0, ge=0, description="one-way latency added after a transfer's last byte (ms)")
    tcp: Optional[Tcp] = Field(default=None, description="TCP corrections to the fluid model; absent: plain fluid sharing")
    # The cell model (docs/models/cell.md; scoutsim/network/cell.py).
    scheduler: Optional[str] = Field(default=None, description="time_share only: rr | weighted | max_rate | pf (a registered scheduler); default rr")
    grant_delay_ms: Optional[float] = Field(default=None, ge=0, description="scheduling request to first uplink grant, waited before a transfer's first byte (ms)")
    bler: Optional[float] = Field(default=None, ge=0, lt=1, description="target block error rate of link adaptation: rates x (1 - bler), and HARQ delay harq_rtt_ms x bler / (1 - bler) on the last block")
    harq_rtt_ms: Optional[float] = Field(default=None, ge=0, description="HARQ round trip for bler's retransmissions (ms); default 8 (LTE FDD)")
    resource_blocks: Optional[int] = Field(default=None, ge=1, description="time_share in whole resource blocks as LTE's uplink MAC (ns-3 LENA) hands them out, for rr and pf alike: each of k devices with data gets max(3, floor(N / k)) blocks, at most floor(N / 3) devices per TTI, taking turns")
    fading: Optional[Literal["none", "rayleigh", "epa"]] = Field(default=None, description="time_share only: fast fading on the devices' radio links; rayleigh lets pf ride it (multi-user diversity gain of LTE's capped MCS curve, none for devices at the top rate) where no resource_blocks are given; epa (needs resource_blocks and transport_blocks): frequency-selective EPA fading, each device's MCS sized for the worst of the blocks it is granted, as LTE's uplink in ns-3 (docs/models/cell.md); default none: pf = rr")
    transport_blocks: Optional[bool] = Field(default=None, description="with resource_blocks (at most 110): a device served on p of the N blocks carries a transport block of TS 36.213's size table at the MCS its lone rate on N blocks implies, less 2 bytes of RLC header per block (none in a block of 7 bytes or less, as ns-3's UE MAC), instead of p / N of its lone rate (docs/models/cell.md); default false")

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
        for key in ("scheduler", "resource_blocks", "fading"):
            if getattr(self, key) is not None and self.sharing != "time_share":
                raise ValueError(f"{key} needs sharing: time_share (got sharing: {self.sharing})")
        if self.transport_blocks and not (self.resource_blocks and self.resource_blocks <= 110):
            # The size table has 1-110 blocks (20 MHz), and blocks are what it sizes.
            raise ValueError(f"transport_blocks needs resource_blocks of 1-110 (got {self.resource_blocks})")
        if self.fading == "epa" and not self.transport_blocks:
            # The worst block sets the MCS, and the MCS sizes the transport block.
            raise ValueError("fading: epa needs transport_blocks: true (and resource_blocks)")
        if self.transport_blocks and (self.scheduler or "rr") not in ("rr", "pf"):
            # Only the equal-share schedulers rotate blocks among the devices (the block rule).
            raise ValueError(f"transport_blocks needs scheduler rr or pf (got {self.scheduler})")
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
    slowdown: float = Field(default=1.0, gt=0, description="cloud compute time relative to the oracle's measuring device (x)")
    gpus: int = Field(default=1, ge=1, description="cloud jobs served at once")
    # Overrides the oracle's measured prefill with a throughput (tokens per second).
    prefill_tokens_per_s: Optional[float] = Field(default=None, gt=0, description="cloud prefill throughput (tokens/s); overrides the oracle's measured prefill")


class CloudSite(Cloud):
    id: str = Field(min_length=1, description="the site's name, which agents' `cloud` and topology links refer to")


class WiredLink(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: Optional[str] = Field(default=None, description="the link's name in `path`; default: <from>-<to>")
    from_: str = Field(alias="from", min_length=1, description="a cell (uplink id), a switch, or a cloud site")
    to: str = Field(min_length=1, description="a switch or a cloud site")
    mbps: float = Field(gt=0, description="capacity, shared max-min fairly by the transfers crossing it (Mbps)")
    latency_ms: float = Field(default=0.0, ge=0, description="one-way propagation latency, summed along a path (ms)")

    @property
    def link_id(self) -> str:
        return self.id or f"{self.from_}-{self.to}"


class Topology(Strict):
    links: list[WiredLink] = Field(min_length=1, description="wired links; a transfer takes the least-latency path from its cell to its cloud site")


class AgentGroup(Strict):
    count: int = Field(default=1, ge=1, description="number of identical agents (devices) in the group")
    name: Optional[str] = Field(default=None, description="label of the group in summaries; default: derived from its index")
    edge_model: str = Field(description="the device's model; a model of the oracle cache")
    cloud_model: str = Field(description="the cloud's model; a model of the oracle cache")
    uplink: str = Field(description="id of the uplink the group sends over")
    edge_slowdown: float = Field(default=1.0, gt=0, description="edge compute time relative to the oracle's measuring device (x)")
    edge_prefill_tokens_per_s: Optional[float] = Field(default=None, gt=0, description="edge prefill throughput (tokens/s); overrides the measured prefill")
    arrival: Arrival = Field(discriminator="kind", description="request arrival process of each agent")
    context_tokens: Optional[int] = Field(default=None, ge=1, description="context length of every request (tokens); default: each request's oracle sample")
    context_at_cloud: bool = Field(default=True, description="scout: the cloud already holds the context text (else it travels too)")
    deadline_s: float = Field(gt=0, description="deadline from arrival to the first answer token, or the whole answer with deadline_on: answer (s)")
    policy: str = Field(default="adaptive", description="mode choice: adaptive (best expected quality that meets the deadline), expected_f1 (best quality x chance of being on time, from the device's own rate errors and on-time record) or static:<mode>; +fallback stops a late KV transfer")
    modes: list[str] = Field(default_factory=list, description="modes adaptive may pick, in the grammar bf16 | int<k> | mixed_int4 | <sel>@<r>+<precision> | scout@<r> | text | local")
    estimator: str = Field(default="harmonic", description="how the agent estimates its rate; a registered estimator")
    estimator_warmup: Optional[EstimatorWarmup] = Field(default=None, description="keep the rate estimate at the prior (the device's share of the mean capacity) until the device's transfers add up to `bytes` or `seconds` ({} = 512 KiB or 2 s, ExoPlayer's); a learned estimator only, not oracle or a granting allocator's rate; not the scenario's warmup_s. Default: the first transfer informs it")
    estimator_prior: Literal["share", "offer"] = Field(default="share", description="the rate estimate before the device's first transfer (and while estimator_warmup holds it): share = the device's weighted share of the channel's mean capacity; offer = the rate a transfer joining the link now would get, as a cell's radio network information service lets a device work out (ETSI GS MEC 012); a learned estimator only")
    # Answer length for deadline_on: answer when the oracle gives none per sample.
    answer_tokens: Optional[int] = Field(default=None, ge=1, description="answer length (tokens) for deadline_on: answer when the oracle gives none per sample")
    # The cell model: this device's own rate (link_quality x the cell's reference rate, or
    # its own channel) and the cloud site its requests go to.
    link_quality: Optional[float] = Field(default=None, gt=0, description="this device's own rate as a fraction of the cell's reference rate (cell model)")
    channel: Optional[SerializeAsAny[ChannelConfig]] = Field(default=None, description="this device's own rate process, any registered channel kind (cell model; instead of link_quality)")
    cloud: Optional[str] = Field(default=None, description="the site of `clouds:` this group's requests go to")
    offset_ms: Optional[float] = Field(default=None, ge=0, description="fixed wait before each transfer's first byte, after its cell's grant_delay_ms (ms; cell model): what a calibration measures as attach, TCP handshake and slow start, the path to the server")

    @field_validator("channel", mode="before")
    @classmethod
    def _channel_block(cls, value: Any) -> Any:
        return value if value is None else channel_block(value)
    abandon_at_deadline: bool = Field(default=False, description="drop a request still unfinished at its deadline: its transfer stops (bytes sent recorded) and it is a miss")
    answer_length: Optional[AnswerLength] = Field(default=None, description="assumed answer lengths, drawn once per sample (overrides the oracle's and answer_tokens)")
    cloud_aware: Union[bool, Literal["exact", "probe"]] = Field(default=False, description="the mode prediction adds the cloud's waiting time: true = mean of the device's last five observed waits; exact = the queue's true wait (a bound); probe = the wait the cloud reports to a status request sent before each decision (one round trip)")
    # A study's published sizes, to rerun it as stated; physics stays the default (docs/models/payload.md).
    payload_bytes: Optional[dict[str, int]] = Field(default=None, description="stated payload per mode (bytes per request, whatever its context length), replacing the payload physics for the modes listed: to rerun a study with the sizes it published")

    @field_validator("cloud_aware", mode="before")
    @classmethod
    def _cloud_aware(cls, value: Any) -> Any:
        # One message, not one per member of the union; what a boolean key takes (0, 1, "yes",
        # "off", ...) still passes on to pydantic, as before.
        if value in ("exact", "probe") or isinstance(value, (bool, int, float)) and value in (0, 1) \
                or isinstance(value, str) and value.lower() in _BOOL_WORDS:
            return value
        raise ValueError("expected true, false, 'exact' or 'probe'")

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

    @field_validator("payload_bytes", mode="before")
    @classmethod
    def _payload_bytes_are_numbers(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for key, size in value.items():
                if isinstance(size, bool):
                    raise ValueError(f"payload_bytes.{key}: expected a number of bytes, got {size}")
        return value

    @field_validator("payload_bytes")
    @classmethod
    def _payload_bytes(cls, value: Optional[dict[str, int]]) -> Optional[dict[str, int]]:
        if value is None:
            return None
        out: dict[str, int] = {}
        for key, size in value.items():
            try:
                mode = parse_mode(key)
            except ModeError as exc:
                raise ValueError(f"payload_bytes: {exc}") from None
            if not mode.uses_uplink:
                raise ValueError(f"payload_bytes.{key}: {key} sends nothing over the uplink; only transfer modes "
                                 "have a payload")
            if size < 1:
                raise ValueError(f"payload_bytes.{key}: expected a positive number of bytes, got {size}")
            if str(mode) in out:
                raise ValueError(f"payload_bytes names {mode} twice")
            out[str(mode)] = size
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
        if self.estimator_warmup is not None or self.estimator_prior == "offer":
            from scoutsim.decisions.estimators import ESTIMATORS

            learns = getattr(ESTIMATORS.get(self.estimator), "LEARNS", True)
            if not learns and self.estimator_warmup is not None:
                raise ValueError(f"estimator_warmup holds back a learned estimate; estimator {self.estimator!r} "
                                 "learns nothing from transfers (drop one or the other)")
            if not learns:
                raise ValueError(f"estimator_prior: offer is a learned estimate's prior; estimator {self.estimator!r} "
                                 "learns nothing from transfers and has no prior (drop estimator_prior)")
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
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$", description="scenario name; default output folder results/<name>/")
    seed: int = Field(default=0, ge=0, description="root seed; every random stream is spawned from it")
    replications: int = Field(default=10, ge=1, description="independent runs; summaries carry 95 % CIs across them")
    duration_s: float = Field(gt=0, description="simulated seconds of arrivals per replication (s)")
    # Requests still in flight this long after the last arrival are recorded as misses.
    drain_s: Optional[float] = Field(default=None, gt=0, description="requests still in flight this long after the last arrival are recorded as misses (s)")
    # Requests arriving before this time are simulated and recorded but left out of the
    # summary, so that steady-state metrics do not carry the empty-system start.
    warmup_s: float = Field(default=0.0, ge=0, description="requests arriving before this are simulated but left out of the summary (s)")
    oracle: str = Field(description="oracle cache: a name under oracle_cache/ or a path")
    deadline_on: Literal["first_token", "answer"] = Field(default="first_token", description="what the deadline measures: the first answer token or the whole answer")
    uplinks: list[Uplink] = Field(min_length=1, description="the shared uplinks (cells)")
    cloud: Cloud = Field(default=Cloud(), description="the cloud compute site")
    agents: list[AgentGroup] = Field(min_length=1, description="groups of identical agents")
    arrivals: Literal["per_device", "superposed"] = Field(default="per_device", description="per_device: every device draws its own arrivals and questions; superposed: one stream per agent group with the device drawn per arrival (same arrival processes, other draws, one pending event per group)")
    plugins: list[str] = Field(default_factory=list, description="plug-in modules (names or .py paths relative to the scenario file) imported before the rest is validated")
    topology: Optional[Topology] = Field(default=None, description="wired links from cells to cloud sites (a networkx graph); transfers share every link on their path max-min fairly")
    clouds: Optional[list[CloudSite]] = Field(default=None, min_length=1, description="cloud sites, each with its own GPUs and slowdown (default: the one `cloud` block)")

    @property
    def uses_cell_model(self) -> bool:
        """Whether any key of "The cell and the network" is given; without them the world
        keeps the shared uplink's exact old code path."""
        return (self.topology is not None or self.clouds is not None
                or any(u.uses_cell_model for u in self.uplinks)
                or any(g.link_quality is not None or g.channel is not None or g.cloud is not None
                       or g.offset_ms is not None for g in self.agents))

    def cloud_of(self, group: "AgentGroup") -> Cloud:
        """The compute site a group's requests go to: its `cloud` among `clouds`, the only
        one there, or the `cloud` block."""
        if self.clouds is None:
            return self.cloud
        if group.cloud is None:
            return self.clouds[0]
        return next(c for c in self.clouds if c.id == group.cloud)

    @model_validator(mode="after")
    def _epa_qualities(self) -> "Scenario":
        # fading: epa reads each device's mean SINR off its link_quality (docs/models/cell.md).
        epa = {u.id for u in self.uplinks if u.fading == "epa"}
        for i, g in enumerate(self.agents):
            if g.uplink in epa and g.channel is not None:
                raise ValueError(f"agents[{i}]: a channel of its own cannot be used on uplink {g.uplink!r} "
                                 "(fading: epa reads a device's mean SINR off its link_quality); give "
                                 "link_quality instead")
        return self

    @model_validator(mode="after")
    def _warmup(self) -> "Scenario":
        if self.warmup_s >= self.duration_s:
            raise ValueError(f"warmup_s ({self.warmup_s:g}) must be shorter than duration_s ({self.duration_s:g})")
        return self

    @model_validator(mode="after")
    def _size(self) -> "Scenario":
        # A run holds every request's record in memory until it writes them, and simulates
        # about 10^5 requests per second: past MAX_REQUESTS it would run for hours and
        # outgrow memory, so it is refused up front (a hostile duration_s of 1e300 would
        # otherwise never end). Likewise for the number of agents (each a SimPy process).
        agents = sum(g.count for g in self.agents)
        if agents > MAX_AGENTS:
            raise ValueError(f"agents: {agents:g} agents in all; at most {MAX_AGENTS:g} can be simulated")
        per_s = sum(g.count * (g.arrival.rate_per_s if g.arrival.kind == "poisson" else 1.0 / g.arrival.period_s)
                    for g in self.agents)
        expected = per_s * self.duration_s * self.replications
        if not expected <= MAX_REQUESTS:
            raise ValueError(f"replications x duration_s x arrival rates = {expected:.3g} expected requests; "
                             f"at most {MAX_REQUESTS:g} per run: shorten duration_s or lower replications")
        return self
