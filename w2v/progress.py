"""Messages and progress on standard error (never standard output).

On a terminal, progress lines are redrawn in place (``\\r`` + line +
``ESC[K``), fitted to the terminal's width (read at every redraw) so they
never wrap: a progress line made of fields drops its least important fields
first, then is cut.  Otherwise (logs, pipes, CI) a full line is written at
most every ``interval`` seconds and once at the end, so logs stay readable."""
from __future__ import annotations

import os
import sys
import time
import unicodedata
from typing import Optional, Sequence, TextIO, Tuple, Union

Fields = Sequence[Tuple[str, int]]
DEFAULT_WIDTH = 80
SEPARATOR = "  "


def cells(text: str) -> int:
    """Terminal columns taken by *text* (wide East Asian characters take two,
    combining marks none)."""
    if text.isascii():
        return len(text)
    return sum(_char_cells(ch) for ch in text)


def _char_cells(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cut(text: str, width: int, ellipsis: str = "\u2026") -> str:
    """*text* cut to at most *width* columns, ending with *ellipsis* when cut."""
    if cells(text) <= width:
        return text
    if width <= 0:
        return ""
    room = width - cells(ellipsis)
    if room < 0:
        return ellipsis[:width]
    return _take(text, room) + ellipsis


def _take(chars, room: int) -> str:
    """The leading characters of *chars* that fit in *room* columns."""
    out, used = [], 0
    for ch in chars:
        w = _char_cells(ch)
        if used + w > room:
            break
        out.append(ch)
        used += w
    return "".join(out)


def fit_fields(fields: Fields, width: int, ellipsis: str = "\u2026") -> str:
    """Join the ``(text, priority)`` *fields* in their given order with two
    spaces, in at most *width* columns: while the line is too long, the field
    with the highest priority number (the least important; the last such on
    a tie) is dropped; a single field still too long is cut."""
    kept = list(fields)
    while len(kept) > 1 and cells(SEPARATOR.join(t for t, _ in kept)) > width:
        worst = max(range(len(kept)), key=lambda i: (kept[i][1], i))
        del kept[worst]
    return cut(SEPARATOR.join(t for t, _ in kept), width, ellipsis)


def shorten_path(path: str, width: int, ellipsis: str = "\u2026") -> str:
    """*path* in at most *width* columns: whole trailing components after
    ``…/`` (``…/tail/of/path.txt``), or the end of the file name when even
    that does not fit."""
    if cells(path) <= width:
        return path
    parts = path.split(os.sep)
    head = ellipsis + os.sep
    for k in range(1, len(parts)):
        tail = os.sep.join(parts[k:])
        if tail and cells(head) + cells(tail) <= width:
            return head + tail
    name = parts[-1]
    room = width - cells(ellipsis)
    if room <= 0:
        return ellipsis[:max(0, width)]
    # keep the end of the name (its extension tells what it is)
    return ellipsis + _take(reversed(name), room)[::-1]


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
        self.ellipsis = _ellipsis_for(self.stream)

    def width(self) -> int:
        """Columns usable on one line: the terminal's width (read now, so a
        resized window is followed) less one spare column, so the cursor
        never wraps; 80 when it cannot be read."""
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            columns = 0
        return max(1, (columns or DEFAULT_WIDTH) - 1)

    def path(self, path: str, used: int = 0) -> str:
        """*path* for a message whose other text takes *used* columns: on a
        terminal, shortened (``…/tail/of/path``) so that the line fits;
        unchanged in logs."""
        if not self.tty:
            return path
        return shorten_path(path, max(8, self.width() - used), self.ellipsis)

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

    def progress(self, line: Union[str, Fields], final: bool = False) -> None:
        """A progress line (debug >= 2): a string, or ``(text, priority)``
        fields shown in the given order; on a terminal the fields with the
        highest priority numbers are dropped first when the line is too wide
        (priority 0 is kept longest)."""
        if self.debug < 2:
            return
        now = time.monotonic()
        if self.tty:
            if final or now - self._last >= 0.1:
                fields = [(line, 0)] if isinstance(line, str) else line
                self._write("\r" + fit_fields(fields, self.width(), self.ellipsis) + "\x1b[K")
                self._open_line = True
                self._last = now
            if final:
                self.end_line()
        elif final or now - self._last >= self.interval:
            if self._last == 0.0 and not final:
                self._last = now          # first call starts the clock
                return
            text = line if isinstance(line, str) else SEPARATOR.join(t for t, _ in line)
            self._write(text + "\n")
            self._last = now

    def end_line(self) -> None:
        if self._open_line:
            self._write("\n")
            self._open_line = False


def _ellipsis_for(stream) -> str:
    """``…`` when the stream's encoding can write it, else ``...``."""
    try:
        "\u2026".encode(getattr(stream, "encoding", None) or "ascii")
        return "\u2026"
    except (LookupError, UnicodeEncodeError):
        return "..."
