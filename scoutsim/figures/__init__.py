"""Figures of runs and sweeps (``scoutsim plot``), drawn from their written results only.

Nothing here runs during a simulation: every figure reads a results directory.

* :mod:`.style`: greyscale-safe styles (line styles, markers, hatches) and PNG + PDF output.
* :mod:`.load`: recognise and read a run directory or a sweep directory.
* :mod:`.curves`: deadline compliance and F1 (misses scored 0) against a swept axis.
* :mod:`.cdf`: latency CDFs with 95 % bands across replications.
* :mod:`.modes`: the modes requests were sent in, over time.
* :mod:`.decision`: the best mode over (rate x context length) from oracle + physics.
* :mod:`.draw`: which figures a run or a sweep gets.
"""
