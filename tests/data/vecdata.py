"""Hand-made vectors shared by the look-up tests (tests/test_vectors_load.py,
test_query_cli.py, test_evaluate.py put this folder on sys.path)."""
import struct

# 4 dims: male, female, royal, place
TINY = [
    ("</s>", (0.0, 0.0, 0.0, 0.5)),
    ("man", (1.0, 0.0, 0.0, 0.0)),
    ("woman", (0.0, 1.0, 0.0, 0.0)),
    ("king", (1.0, 0.0, 1.0, 0.0)),
    ("queen", (0.0, 1.0, 1.0, 0.0)),
    ("paris", (0.0, 0.0, 0.25, 1.0)),
    ("France", (0.0, 0.0, 1.0, 1.0)),
    ("anti", (-1.0, -1.0, -1.0, -1.0)),
]


def binary_bytes(rows=TINY, newline=True, header=None):
    out = [header if header is not None else b"%d %d\n" % (len(rows), len(rows[0][1]))]
    for w, vec in rows:
        wb = w if isinstance(w, bytes) else w.encode("utf-8")
        out.append(wb + b" " + struct.pack("<%df" % len(vec), *vec) + (b"\n" if newline else b""))
    return b"".join(out)


def text_bytes(rows=TINY, trailing=True, header=None):
    out = [header if header is not None else b"%d %d\n" % (len(rows), len(rows[0][1]))]
    for w, vec in rows:
        wb = w if isinstance(w, bytes) else w.encode("utf-8")
        vals = b" ".join(b"%f" % x for x in vec)
        out.append(wb + b" " + vals + (b" " if trailing else b"") + b"\n")
    return b"".join(out)
