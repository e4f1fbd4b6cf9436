"""The transmission-mode grammar (a contract: docs/models/payload.md).

::

    bf16 | int8 | int4 | int<k> (k = 2..8) | int<k>c | mixed_int4 | <sel>@<r>+<precision>
    | scout@<r> | text | local

with ``<sel>`` in q2c, snapkv, h2o, random and ``0 < r <= 1``. ``<precision>`` is any of the
first six forms. ``int<k>`` quantizes keys and values per token (one scale per layer, head,
token); ``int<k>c`` quantizes keys per channel (one scale per layer, head, channel, over
the tokens) and values per token, as KIVI does: keys have outlier channels, so a scale per
channel keeps the other channels' resolution. :func:`parse_mode` turns a string into a :class:`Mode`; ``str(mode)`` gives
the canonical spelling (``q2c@0.50+int8`` and ``q2c@0.5+int8`` are the same mode).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

SELECTORS = ("q2c", "snapkv", "h2o", "random")
KINDS = ("kv", "scout", "text", "local")

_PRECISION = re.compile(r"^(bf16|mixed_int4|int([2-8])(c?))$")
_SELECTED = re.compile(r"^([a-z0-9]+)@([0-9.eE+-]+)\+(.+)$")
_SCOUT = re.compile(r"^scout@([0-9.eE+-]+)$")


class ModeError(ValueError):
    pass


@dataclass(frozen=True)
class Mode:
    kind: str  # kv | scout | text | local
    bits: int = 16  # KV element width; 16 = bf16
    mixed: bool = False  # mixed_int4: protected layers at 16 bit, the rest INT4
    selector: str | None = None  # token selection method, for kv and scout
    retention: float = 1.0  # fraction of context positions kept
    key_channel: bool = False  # int<k>c: keys quantized per channel, values per token (KIVI)

    @property
    def uses_uplink(self) -> bool:
        return self.kind != "local"

    @property
    def quantized(self) -> bool:
        return self.kind == "kv" and (self.bits < 16 or self.mixed)

    @property
    def selects(self) -> bool:
        return self.selector is not None

    @property
    def precision(self) -> str:
        if self.mixed:
            return "mixed_int4"
        return "bf16" if self.bits == 16 else f"int{self.bits}{'c' if self.key_channel else ''}"

    def __str__(self) -> str:
        if self.kind in ("text", "local"):
            return self.kind
        r = f"{self.retention:g}"
        if self.kind == "scout":
            return f"scout@{r}"
        if self.selector is not None:
            return f"{self.selector}@{r}+{self.precision}"
        return self.precision


def _retention(text: str, spelled: str) -> float:
    try:
        r = float(text)
    except ValueError:
        raise ModeError(f"{spelled!r}: retention {text!r} is not a number") from None
    if not 0.0 < r <= 1.0:
        raise ModeError(f"{spelled!r}: retention must satisfy 0 < r <= 1, got {r:g}")
    return r


def _precision(text: str, spelled: str) -> Mode:
    m = _PRECISION.match(text)
    if not m:
        raise ModeError(
            f"{spelled!r}: unknown precision {text!r}; expected bf16, int2..int8, int2c..int8c or mixed_int4"
        )
    if m.group(1) == "bf16":
        return Mode("kv")
    if m.group(1) == "mixed_int4":
        return Mode("kv", bits=4, mixed=True)
    return Mode("kv", bits=int(m.group(2)), key_channel=m.group(3) == "c")


@lru_cache(maxsize=None)
def parse_mode(spelled: str) -> Mode:
    """Parse one mode string; raise :class:`ModeError` saying what was expected."""
    text = spelled.strip()
    if text in ("text", "local"):
        return Mode(text)
    m = _SCOUT.match(text)
    if m:
        return Mode("scout", selector="q2c", retention=_retention(m.group(1), spelled))
    m = _SELECTED.match(text)
    if m:
        selector, r, precision = m.groups()
        if selector not in SELECTORS:
            raise ModeError(f"{spelled!r}: unknown selector {selector!r}; expected one of {list(SELECTORS)}")
        base = _precision(precision, spelled)
        return Mode("kv", bits=base.bits, mixed=base.mixed, selector=selector,
                    retention=_retention(r, spelled), key_channel=base.key_channel)
    if _PRECISION.match(text):
        return _precision(text, spelled)
    raise ModeError(
        f"{spelled!r} is not a mode; expected bf16 | int8 | int4 | int<k> (k=2..8) | int<k>c | mixed_int4 | "
        "<sel>@<r>+<precision> | scout@<r> | text | local"
    )


def canonical(spelled: str) -> str:
    return str(parse_mode(spelled))
