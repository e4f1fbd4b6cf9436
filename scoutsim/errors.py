"""The one exception type users see.

Every problem with user input (a scenario, a trace, an oracle cache, a command-line flag)
is raised as :class:`UserError`, naming the file, the key path or line, and what was
expected. The command line turns it into one message on stderr and exit status 2; it never
shows a traceback for such errors.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input, described well enough for the user to fix it."""

    def __init__(self, message: str, *, source: str | None = None, where: str | None = None):
        self.source = source
        self.where = where
        self.detail = message
        prefix = ""
        if source:
            prefix = f"{source}: "
        if where:
            prefix += f"{where}: "
        super().__init__(prefix + message)


class CacheError(UserError):
    """An oracle cache that is missing, damaged or of another schema."""


class BugReport(Exception):
    """Not the user's input but the simulator itself went wrong, and knows how (a world that
    stopped advancing its clock). The command line shows the message, which says what to
    report, and exits 1 without a traceback."""
