"""Bandwidth traces: import measured data, characterise it, fit Markov chains, synthesise.

scoutsim replays throughput traces as piecewise-constant uplink capacity. Everything here
works on one in-memory shape, :class:`~scoutsim.traces.series.Trace` (times in seconds,
throughput in Mbps = 10^6 bit/s, each value holding until the next time), and on the
project's contract file for it, a CSV with header ``time_s,mbps``.

Modules, one concept each:

* :mod:`.series`      the ``Trace`` shape and the cleaning steps importers share
  (re-indexing repeated time stamps, gaps, trimming);
* :mod:`.tracefile`   writing the contract CSV and its provenance sidecar atomically,
  and reading them back;
* :mod:`.importers`   one module per published format, registered by format name;
* :mod:`.stats`       summary statistics, autocorrelation and decorrelation time;
* :mod:`.fit`         fitting a K-state Markov channel to a trace and judging the fit;
* :mod:`.synth`       seeded generators for the synthetic traces the project ships;
* :mod:`.availability` the check that tells a user how to import a missing real trace;
* :mod:`.plot`        the only module that draws (matplotlib); nothing that computes
  imports it.

Real traces may not be redistributed: import them under ``traces/real/`` (git-ignored).
"""
