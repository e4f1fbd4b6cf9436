"""scoutsim: edge devices hand LLM work to a cloud over shared, fluctuating uplinks.

Two halves joined by one file format: the oracle (``scoutsim.oracle``) measures real models
and writes an oracle cache; the simulator (everything else) samples that cache through
``scoutsim.oraclecache`` while it plays out arrivals, uplinks, allocators and compute.
"""

__version__ = "0.1.0"
