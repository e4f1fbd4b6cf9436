"""Uplink capacity processes.

A channel is a piecewise-constant capacity ``C(t)`` in Mbps. :meth:`Channel.changes` yields
``(time_s, mbps)`` pairs in increasing time, starting at time 0; the capacity holds from one
change to the next. The shared uplink turns each change into one event, so a channel that
does not change costs nothing and nothing is ever time-stepped.

Channels register by the ``kind`` a scenario names (``CHANNELS``); each is built from its
validated config block, the scenario's directory (to resolve relative paths) and its own
random generator.
"""

from scoutsim.network.channels.base import CHANNELS, Channel, build_channel
from scoutsim.network.channels import constant, markov, trace, trace_pool  # noqa: F401  (registration)

__all__ = ["CHANNELS", "Channel", "build_channel"]
