"""scoutsim: edge devices hand LLM work to a cloud over shared, fluctuating uplinks.

Two halves joined by one file format: the oracle (``scoutsim.oracle``) measures real models
and writes an oracle cache; the simulator samples that cache through ``scoutsim.oraclecache``
while it plays out arrivals, uplinks, allocators and compute.

The simulator is built in layers; a module imports only from its own layer or below
(``tests/test_layers.py`` holds the order and fails the build on an upward import or a
cycle):

1. foundation: :mod:`.errors`, :mod:`.registry`, :mod:`.digest`, :mod:`.intervals`,
   :mod:`.raystart` and :mod:`.modes` (the mode grammar is part of the oracle-cache format,
   so both halves speak it);
2. :mod:`.oraclecache`, the one door between the oracle and the simulator;
3. :mod:`.physics`: what a request costs (payload bytes from model shapes, compute seconds
   from measured timings);
4. :mod:`.traces`: bandwidth trace data (the trace file format, importers, statistics,
   Markov fits, synthetic traces);
5. :mod:`.network`: how bytes move (channels, the shared uplink, TCP corrections);
6. :mod:`.decisions`: who decides what (mode policies, rate estimators, allocators);
7. :mod:`.config`: scenario YAML -> validated, resolved configuration;
8. :mod:`.sim`: the discrete-event world (agents, requests, cloud queue, replications);
9. :mod:`.results`: request records -> summaries, result files and run figures;
10. applications: :mod:`.experiments`, :mod:`.figures`, :mod:`.bench`, :mod:`.commands`,
    :mod:`.cli`.

The oracle half (:mod:`.oracle`) imports only the foundation and the door.
Old flat import paths (``scoutsim.uplink``...) still resolve for one release (:mod:`._moved`).
"""

__version__ = "0.2.0"

from scoutsim import _moved

_moved.install()
