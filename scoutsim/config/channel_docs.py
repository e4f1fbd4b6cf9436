"""Meaning and units of the built-in channel kinds' scenario keys, for the scenario reference.

The channel modules own their config classes; a key that carries its own
``Field(description=...)`` there wins over the text here. Kept beside the schema rather
than in each channel module so that the reference can be complete without touching the
channel code. The reference generator refuses a registered channel key that has neither
(``scoutsim.config.reference``), so a new key cannot slip into the docs undocumented.
"""

from __future__ import annotations

CHANNEL_KEYS: dict[tuple[str, str], str] = {
    ("constant", "kind"): "a capacity that never changes",
    ("constant", "mbps"): "the capacity (Mbps = 10^6 bit/s)",

    ("markov", "kind"): "a discrete-time Markov chain over capacity levels; the first state is drawn "
                        "from its stationary distribution",
    ("markov", "states_mbps"): "the capacity levels (Mbps), all > 0; default: the study's 5, 10, 25, 50, 100, 200",
    ("markov", "step_s"): "seconds between transitions (s)",
    ("markov", "transition"): "row-stochastic matrix, one row and column per state (each row sums to 1); "
                              "default: stay 0.8, each neighbour 0.1 (0.9 stay at the ends), whose "
                              "stationary distribution is uniform",

    ("trace", "kind"): "replay of a `time_s,mbps` CSV as a piecewise-constant capacity",
    ("trace", "path"): "the trace CSV, relative to the scenario's folder",
    ("trace", "loop"): "repeat the trace at its end (period: duration + median sample interval); "
                       "false: hold the last rate",
    ("trace", "offset_s"): "start the replay this far into the trace (s; wraps when looping)",
    ("trace", "scale"): "multiplies every rate (x)",
    ("trace", "format"): "`traces import` FORMAT of a measured trace that cannot be shipped, so that a "
                         "missing file's error gives the exact import command (with `source`)",
    ("trace", "source"): "`traces import` SOURCE (the measured file), relative to the scenario's folder",
    ("trace", "import_options"): "extra `traces import` arguments, e.g. [\"--run\", \"3\"]",

    ("trace_pool", "kind"): "a pool of measured runs; each replication (or device) replays runs drawn "
                            "from the pool by the channel's own random stream",
    ("trace_pool", "runs"): "trace CSVs (a path or glob, relative to the scenario's folder) or mappings "
                            "{path, format, source, import_options} (see TraceRun)",
    ("trace_pool", "per"): "replication: one run per replication; device: one run per device, combined",
    ("trace_pool", "devices"): "number of devices on the uplink (required with per: device)",
    ("trace_pool", "combine"): "per: device: cell capacity = mean (time sharing) or sum of the devices' rates",
    ("trace_pool", "random_offset"): "start each replayed run at a uniform random offset over its period",
    ("trace_pool", "offset_s"): "fixed start offset added to each run (simulated s, after time_scale)",
    ("trace_pool", "loop"): "repeat each run at its end; false: hold the last rate",
    ("trace_pool", "scale"): "multiplies the combined capacity (x)",
    ("trace_pool", "time_scale"): "slows the traces down: each sample lasts time_scale times longer (x)",

    ("TraceRun", "path"): "the trace CSV (a glob may name several), relative to the scenario's folder",
    ("TraceRun", "format"): "`traces import` FORMAT, for the missing-file hint",
    ("TraceRun", "source"): "`traces import` SOURCE, relative to the scenario's folder",
    ("TraceRun", "import_options"): "extra `traces import` arguments, e.g. [\"--run\", \"3\"]",
}
