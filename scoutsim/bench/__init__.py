"""Library code behind ``benchmarks/`` and ``python -m scoutsim bench``.

Each benchmark prints ratios measured within one run (the machines it runs on are shared
and noisy, so absolute timings from different runs are not comparable; a ratio against a
reference timed in the same run is).
"""
