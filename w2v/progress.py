"""Messages and progress on standard error (never standard output).

On a terminal, progress lines are redrawn in place (``\\r``); otherwise
(logs, pipes, CI) a full line is written at most every ``interval``
seconds and once at the end, so logs stay readable."""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


def fmt_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Reporter:
    def __init__(self, debug: int = 2, stream: Optional[TextIO] = None,
                 interval: float = 10.0, tty: Optional[bool] = None):
        self.debug = debug
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.interval = interval
        self._last = 0.0
        self._open_line = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def info(self, message: str, level: int = 1) -> None:
        """A message shown when debug >= level (C's debug_mode > 0 lines)."""
        if self.debug >= level:
            self.end_line()
            self._write(message + "\n")

    def always(self, message: str) -> None:
        self.end_line()
        self._write(message + "\n")

    def warn(self, message: str) -> None:
        self.end_line()
        self._write("warning: " + message + "\n")

    def progress(self, line, final: bool = False) -> None:
        """A progress line (debug >= 2): a string, or (text, priority) fields."""
        if self.debug < 2:
            return
        if not isinstance(line, str):
            line = "  ".join(text for text, _ in line)
        now = time.monotonic()
        if self.tty:
            if final or now - self._last >= 0.1:
                self._write("\r" + line + "\x1b[K")
                self._open_line = True
                self._last = now
            if final:
                self.end_line()
        elif final or now - self._last >= self.interval:
            if self._last == 0.0 and not final:
                self._last = now          # first call starts the clock
                return
            self._write(line + "\n")
            self._last = now

    def end_line(self) -> None:
        if self._open_line:
            self._write("\n")
            self._open_line = False
