"""Experiments: sweeps over scenario grids, their executors, and ``reproduce``.

* :mod:`.grid` parses ``--grid KEY=V1,V2`` and applies grid points to a raw scenario dict.
* :mod:`.point` runs one grid point (all its replications) and writes it atomically.
* :mod:`.executors` runs points in a local process pool or on Ray.
* :mod:`.sweep` ties them together: manifest, resume, progress, the tidy tables.
* :mod:`.tables` turns finished points into the summary and paired-difference tables.
* :mod:`.paperb` reruns the study's experiment as it was run (:mod:`.paperb_profile`: the
  ``paper`` profile, its unpublished settings, its relaxations and sensitivities);
  :mod:`.paperb_claims` classes its conclusions (input, arithmetic, evidence) and judges them
  from the CIs by :mod:`.verdicts`' rule; :mod:`.paperb_inverse` fits the inferred Markov
  chain; :mod:`.paperb_report` writes the tables, the assumption ablation and report.md.
"""
