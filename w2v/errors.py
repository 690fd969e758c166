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
    """The user pressed Ctrl-C (or a stop signal came): reported without
    "error:", with status 130 (128 + the signal's number)."""

    exit_code = 130

    def __init__(self, message: str, exit_code: int = 130) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Stopped(KeyboardInterrupt):
    """Training stopped by a signal (SIGINT, SIGTERM, Slurm's SIGUSR1) at the
    trainer's next pause; with several processes, every one stops at the same
    round.  The command reports it as :class:`W2VInterrupted` with status
    128 + *signum*."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
