"""Importers: published trace formats -> the contract ``time_s,mbps`` series.

Each format lives in its own module and registers a :class:`Importer` under the name
the command line uses (``python -m scoutsim traces import FORMAT SOURCE``). An importer
reads one source file (one run), applies the cleaning its data set's ``SOURCE.md``
calls for, records every step in the returned :class:`~scoutsim.traces.series.Trace`,
and raises :class:`~scoutsim.errors.UserError` naming the file and line for bad input.

Options are shared across formats (:class:`ImportOptions`); an importer lists the ones
it understands in ``accepts`` and :func:`import_trace` refuses the others, so a flag is
never silently ignored.
"""

from scoutsim.traces.importers.base import (  # noqa: F401  (the package's public names)
    IMPORTERS, Importer, ImportOptions, gap_policy, import_trace, register)

# Registration: importing the modules registers their formats.
from scoutsim.traces.importers import (  # noqa: F401
    lumos5g, mahimahi, nuwins, pensieve, sabre, ucc, umn)
