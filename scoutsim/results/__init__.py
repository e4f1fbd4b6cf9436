"""Results: request records -> summaries with confidence intervals, files and figures.

* :mod:`.summary`  per-scope metrics with 95 % intervals across replications;
* :mod:`.output`   the result directory, written all or nothing;
* :mod:`.plots`    the run's own figures (sweep and paper figures live in :mod:`scoutsim.figures`).
"""
