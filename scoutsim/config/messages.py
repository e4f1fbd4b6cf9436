"""A scenario's validation errors as the one line a user reads: each as ``key path: what was
expected (got what was given)``, the key path written as in the YAML (``agents[0].arrival.rate_per_s``)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence


def key_path(loc: tuple, prefix: str = "") -> str:
    """('agents', 0, 'arrival', 'poisson', 'rate_per_s') -> 'agents[0].arrival.rate_per_s'."""
    out = prefix
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i > 0 and loc[i - 1] == "arrival" and part in ("poisson", "periodic"):
            continue  # the discriminator's tag is not a key the user wrote
        else:
            # A key with control characters (a newline, say) would split the one-line message.
            text = str(part) if str(part).isprintable() else repr(part)
            out += f".{text}" if out else text
    return out


def describe_errors(errors: Sequence[Mapping[str, Any]], prefix: str) -> str:
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
