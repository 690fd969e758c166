"""User-facing errors.

Anything the user can cause (bad flags, bad files, bad data) raises
:class:`W2VError` with a one-line message; the CLI prints it as
``w2v <command>: error: <message>`` and exits with status 1.  Any other
exception is a bug.
"""


class W2VError(Exception):
    """An error caused by the user's input, reported without a traceback."""

    exit_code = 1


class W2VInterrupted(W2VError):
    """The user pressed Ctrl-C; nothing was written."""

    exit_code = 130
