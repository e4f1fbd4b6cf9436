"""Running a world's event loop so that it can never hang.

Every link model ends at least one transfer at each finish event it schedules
(:meth:`scoutsim.network.link.Link._finish`), so simulated time always moves on. Should a
future bug break that, a world would run zero-delay events for ever and the command would
hang with no word. :func:`run_until` steps the loop as :meth:`simpy.Environment.run` does,
and after every ``chunk`` events checks that the clock moved; when it did not, it stops the
run with a :class:`~scoutsim.errors.BugReport` naming the time, and each link's transfers in
flight, the first to finish first. The check costs one comparison per chunk of events.
"""

from __future__ import annotations

import simpy
from simpy.core import EmptySchedule, StopSimulation

from scoutsim.errors import BugReport

# More events than this at one instant is a loop, not a burst: a periodic scenario's devices
# all act at once, a few events each, so the bound grows with their number.
STALL_EVENTS = 10**6
EVENTS_PER_AGENT_AT_ONCE = 50
SHOWN_TRANSFERS = 3


def stall_limit(agents: int) -> int:
    return STALL_EVENTS + EVENTS_PER_AGENT_AT_ONCE * agents


def run_until(env: simpy.Environment, end: simpy.Event, chunk: int, describe) -> None:
    """``env.run(until=end)``, stopped with a :class:`BugReport` (``describe()`` saying where)
    when ``chunk`` events in a row leave ``env.now`` where it was."""
    end.callbacks.append(StopSimulation.callback)
    step = env.step
    try:
        while True:
            before = env.now
            for _ in range(chunk):
                step()
            if env.now == before:
                raise BugReport(f"the simulation stopped advancing: {chunk} events at t = {before!r} s without "
                                f"simulated time moving on (a bug in scoutsim; please report it with the "
                                f"scenario and the command). {describe()}")
    except StopSimulation:
        return
    except EmptySchedule:
        raise RuntimeError("no events left, but the world's end never came") from None


def describe_links(links: dict) -> str:
    """Each link's transfers in flight, first those with the least left to send."""
    parts = []
    for name, link in links.items():
        jobs = link.active
        if not jobs:
            continue
        shown = sorted((link.progress(t)[0], t.slot, t.size) for t in jobs)[:SHOWN_TRANSFERS]
        listed = "; ".join(f"agent slot {slot}: {size:.6g} B, {left:.6g} B left" for left, slot, size in shown)
        parts.append(f"link {name!r}, {len(jobs)} transfers in flight ({listed})")
    return ("In flight: " + " | ".join(parts)) if parts else "No transfer is in flight."

