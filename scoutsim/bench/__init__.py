"""Library code behind ``benchmarks/`` and ``python -m scoutsim bench``.

Each benchmark prints ratios measured within one run (the machines it runs on are shared
and noisy, so absolute timings from different runs are not comparable; a ratio against a
reference timed in the same run is).

Part of the installed package, not only of a checkout, so that ``bench`` (the fuzzer and the
decision family included) runs from a wheel; nothing but :mod:`scoutsim.commands.bench`
imports it, and that only when the command runs (tests/test_layers.py checks).
"""
