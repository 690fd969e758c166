"""The model file (safetensors layout): round trips, layout, atomicity, every bad file."""
import gzip
import io
import json
import os
import pickle
import struct
import sys
import types
import zlib

import numpy as np
import pytest

from w2v import modelfile as M
from w2v.errors import W2VError

DTYPES = [np.float32, np.float64, np.int32, np.int64, np.uint32, np.uint64, np.uint8]


def sample_arrays():
    rng = np.random.default_rng(5)
    arrays = {}
    for dt in DTYPES:
        name = np.dtype(dt).name
        info = np.finfo(dt) if np.dtype(dt).kind == "f" else np.iinfo(dt)
        arrays[name] = np.array([info.min, info.max, 0, 1], dtype=dt)
        arrays[name + "_empty"] = np.zeros(0, dtype=dt)
        arrays[name + "_0rows"] = np.zeros((0, 7), dtype=dt)
    arrays["matrix"] = rng.standard_normal((13, 5)).astype(np.float32)
    arrays["scalar"] = np.array(12345678901, dtype=np.int64)
    arrays["cube"] = rng.integers(0, 255, (3, 4, 5)).astype(np.uint8)
    return arrays


def files_in(folder):
    return sorted(os.listdir(folder))


def raw_file(path, header, data=b"", pad=True):
    """A file in the safetensors layout, built without the module under test."""
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    return str(path)


def our_header(tensors, crcs, version="1", meta='{"a":1}'):
    return {"__metadata__": {"format": "w2v-model", "version": version, "w2v": meta,
                             "crc32": json.dumps(crcs)}, **tensors}


def read_error(path, **kwargs):
    with pytest.raises(W2VError) as info:
        M.read(str(path), **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert repr(str(path)) in message
    return message


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize("mmap", [True, False])
def test_round_trip_every_dtype(tmp_path, mmap):
    arrays = sample_arrays()
    meta = {"size": 100, "alpha": 0.025, "words": ["</s>", "a"], "nested": {"x": None}}
    path = str(tmp_path / "m.w2v")
    M.write(path, arrays, meta)
    got, got_meta = M.read(path, mmap=mmap)
    assert got_meta == meta
    assert set(got) == set(arrays)
    for name, arr in arrays.items():
        assert got[name].dtype == arr.dtype, name
        assert got[name].shape == arr.shape, name
        assert np.array_equal(got[name], arr), name
    assert files_in(tmp_path) == ["m.w2v"]


def test_non_native_layouts_are_stored_as_little_endian_c_order(tmp_path, monkeypatch):
    monkeypatch.setattr(M, "CHUNK", 24)   # many pieces per array
    base = np.arange(60, dtype=np.float64).reshape(6, 10) / 7
    arrays = {
        "fortran": np.asfortranarray(base),
        "strided": base[::2, ::3],
        "big": base.astype(">f8"),
        "big_i4": np.arange(50, dtype=">i4") - 25,
        "contig": base.astype(np.float32),
    }
    path = str(tmp_path / "m.w2v")
    M.write(path, arrays, {})
    got, _ = M.read(path)
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    crcs = json.loads(header["__metadata__"]["crc32"])
    for name, arr in arrays.items():
        le = arr.dtype.newbyteorder("<")
        expected = np.ascontiguousarray(arr, dtype=le).tobytes()
        begin, end = header[name]["data_offsets"]
        assert raw[8 + n + begin:8 + n + end] == expected, name
        assert crcs[name] == "%08x" % zlib.crc32(expected), name
        assert np.array_equal(got[name], arr), name


def test_mmap_arrays_are_read_only_views(tmp_path):
    path = str(tmp_path / "m.w2v")
    M.write(path, {"syn0": np.ones((4, 3), np.float32), "blob": np.arange(5, dtype=np.uint8)}, {})
    got, _ = M.read(path)
    for arr in got.values():
        assert isinstance(arr, np.memmap)
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 7
    copies, _ = M.read(path, mmap=False)
    copies["syn0"][0, 0] = 9.0          # copies are writable and leave the file alone
    again, _ = M.read(path)
    assert again["syn0"][0, 0] == 1.0


def test_file_is_readable_by_safetensors(tmp_path):
    import safetensors.numpy as st
    arrays = sample_arrays()
    path = str(tmp_path / "m.safetensors")
    M.write(path, arrays, {"k": "v"})
    loaded = st.load_file(path)
    assert set(loaded) == set(arrays)
    for name, arr in arrays.items():
        assert loaded[name].dtype == arr.dtype and loaded[name].shape == arr.shape, name
        assert np.array_equal(loaded[name], arr), name


def test_safetensors_file_of_another_program_is_refused(tmp_path):
    import safetensors.numpy as st
    path = str(tmp_path / "other.safetensors")
    st.save_file({"weight": np.ones((2, 2), np.float32)}, path, metadata={"format": "pt"})
    assert "this is a safetensors file of another program, not a w2v model" in read_error(path)


# ------------------------------------------------------------------ layout

def test_golden_header_layout(tmp_path):
    # u8 first in the dict: stored last (arrays go by descending item size).
    path = str(tmp_path / "g.w2v")
    M.write(path, {"w": np.array([3], np.uint8), "v": np.array([1.0, -2.0], np.float32)}, {"n": 1})
    v_bytes = b"\x00\x00\x80\x3f" + b"\x00\x00\x00\xc0"      # 1.0, -2.0 as little-endian float32
    w_bytes = b"\x03"
    crc_v, crc_w = "%08x" % zlib.crc32(v_bytes), "%08x" % zlib.crc32(w_bytes)
    text = ('{"__metadata__":{"format":"w2v-model","version":"1","w2v":"{\\"n\\":1}",'
            '"crc32":"{\\"v\\":\\"' + crc_v + '\\",\\"w\\":\\"' + crc_w + '\\"}"},'
            '"v":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
            '"w":{"dtype":"U8","shape":[1],"data_offsets":[8,9]}}')
    assert len(text) == 226                                  # padded to 232: 6 spaces
    expected = struct.pack("<Q", 232) + text.encode() + b" " * 6 + v_bytes + w_bytes
    assert open(path, "rb").read() == expected
    assert os.path.getsize(path) == 8 + 232 + 9


def test_arrays_are_naturally_aligned(tmp_path):
    path = str(tmp_path / "m.w2v")
    M.write(path, {"b": np.arange(3, dtype=np.uint8), "i": np.arange(3, dtype=np.int32),
                   "d": np.arange(3, dtype=np.float64), "u": np.arange(1, dtype=np.uint32)}, {})
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    assert n % 8 == 0
    header = json.loads(raw[8:8 + n])
    order = sorted((e["data_offsets"][0], name) for name, e in header.items() if name != "__metadata__")
    assert [name for _, name in order] == ["d", "i", "u", "b"]
    for name, entry in header.items():
        if name != "__metadata__":
            size = np.dtype(M._DTYPES[entry["dtype"]]).itemsize
            assert (8 + n + entry["data_offsets"][0]) % size == 0, name


def test_pipe_output_matches_file_output(tmp_path, monkeypatch):
    class Pipe(io.BytesIO):
        def seekable(self):
            return False

    arrays = {"syn0": np.arange(12, dtype=np.float32).reshape(3, 4), "blob": np.arange(4, dtype=np.uint8)}
    path = str(tmp_path / "m.w2v")
    M.write(path, arrays, {"x": 2})
    pipe = Pipe()
    monkeypatch.setattr(sys, "stdout", types.SimpleNamespace(buffer=pipe))
    M.write("-", arrays, {"x": 2})
    assert pipe.getvalue() == open(path, "rb").read()


# -------------------------------------------------------------- atomicity

def test_unsupported_dtype_leaves_nothing(tmp_path):
    path = str(tmp_path / "m.w2v")
    arrays = {"ok": np.ones(3, np.float32), "bad": np.ones(3, np.complex64)}
    with pytest.raises(ValueError, match="complex64"):
        M.write(path, arrays, {})
    assert files_in(tmp_path) == []


def test_failure_mid_write_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = str(tmp_path / "m.w2v")
    arrays = {"a": np.ones(1000, np.float32), "b": np.ones(1000, np.float32)}
    M.write(path, arrays, {"old": True})
    before = open(path, "rb").read()
    real, calls = M._write_array, []

    def failing(out, arr):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(out, arr)

    monkeypatch.setattr(M, "_write_array", failing)
    with pytest.raises(W2VError, match="No space left on device"):
        M.write(path, arrays, {"old": False})
    assert len(calls) == 2
    assert files_in(tmp_path) == ["m.w2v"]
    assert open(path, "rb").read() == before
    new = str(tmp_path / "new.w2v")
    calls.clear()
    with pytest.raises(W2VError):
        M.write(new, arrays, {})
    assert files_in(tmp_path) == ["m.w2v"]


def test_write_to_missing_folder(tmp_path):
    with pytest.raises(W2VError, match="does not exist"):
        M.write(str(tmp_path / "no" / "m.w2v"), {"a": np.ones(1, np.float32)}, {})


def test_bad_array_name_and_meta(tmp_path):
    with pytest.raises(ValueError, match="__metadata__"):
        M.write(str(tmp_path / "m"), {"__metadata__": np.ones(1, np.float32)}, {})
    with pytest.raises(ValueError):
        M.write(str(tmp_path / "m"), {"a": np.ones(1, np.float32)}, {"x": float("nan")})
    assert files_in(tmp_path) == []


# ------------------------------------------------------------ bad files

def good_file(tmp_path, name="m.w2v"):
    path = str(tmp_path / name)
    M.write(path, {"syn0": np.arange(20, dtype=np.float32).reshape(4, 5),
                   "blob": np.frombuffer(b"abcdef", np.uint8)}, {"size": 5})
    return path


def test_missing_and_directory(tmp_path):
    assert read_error(tmp_path / "nope.w2v").endswith("not found")
    assert read_error(tmp_path).endswith("is a directory")
    with pytest.raises(W2VError, match="empty path"):
        M.read("")


@pytest.mark.parametrize("size", [0, 3, 7])
def test_too_short(tmp_path, size):
    path = tmp_path / "m.w2v"
    path.write_bytes(b"\x01" * size)
    assert f"too short to be a w2v model ({size} bytes)" in read_error(path)


def test_absurd_header_length(tmp_path):
    path = tmp_path / "m.w2v"
    path.write_bytes(struct.pack("<Q", 200_000_000) + b"{" * 100)
    assert "header length 200000000 is absurd" in read_error(path)


def test_truncated_header(tmp_path):
    path = good_file(tmp_path)
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    open(path, "wb").write(raw[:8 + n - 10])
    assert "truncated: 10 bytes of the header missing" in read_error(path)


def test_no_json_header(tmp_path):
    path = tmp_path / "m.w2v"
    path.write_bytes(struct.pack("<Q", 8) + b"\x00" * 16)
    assert "not a w2v model (no JSON header)" in read_error(path)


def test_header_not_json(tmp_path):
    path = tmp_path / "m.w2v"
    path.write_bytes(struct.pack("<Q", 8) + b'{"a":   ')
    assert "its header is not valid JSON" in read_error(path)
    path.write_bytes(struct.pack("<Q", 8) + b'{"a":1}\xff')
    assert "its header is not valid JSON" in read_error(path)
    raw_file(path, [1, 2])                 # JSON, but not an object
    assert "not a w2v model (no JSON header)" in read_error(path)


def test_no_format_marker(tmp_path):
    path = raw_file(tmp_path / "m", {"__metadata__": {"version": "1"}, "x": 1})
    assert "not a w2v model (no format marker in its header)" in read_error(path)
    path = raw_file(tmp_path / "m", {"x": 1})
    assert "no format marker" in read_error(path)


def test_future_and_bad_versions(tmp_path):
    path = raw_file(tmp_path / "m", our_header({}, {}, version="2"))
    assert read_error(path).endswith(
        "written by a newer w2v (format version 2); this w2v reads version 1")
    for bad in ("0", "one", "", "1.0", None):
        path = raw_file(tmp_path / "m", our_header({}, {}, version=bad))
        assert "bad format version" in read_error(path), bad


def test_bad_metadata_json(tmp_path):
    path = raw_file(tmp_path / "m", our_header({}, {}, meta="{not json"))
    assert "metadata 'w2v' is missing or not a JSON object" in read_error(path)
    path = raw_file(tmp_path / "m", our_header({}, {}, meta="[1]"))
    assert "metadata 'w2v'" in read_error(path)
    header = our_header({}, {})
    del header["__metadata__"]["crc32"]
    assert "metadata 'crc32'" in read_error(raw_file(tmp_path / "m", header))


def tensor(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


@pytest.mark.parametrize("entry, message", [
    (tensor(dtype="BF16"), "array 'x': unknown dtype 'BF16'"),
    (tensor(dtype=None), "array 'x': unknown dtype None"),
    (tensor(shape=(-2,)), "array 'x': bad shape [-2]"),
    (tensor(shape=(True,)), "array 'x': bad shape [True]"),
    (tensor(offsets=(-8, 0)), "array 'x': bad data offsets [-8, 0]"),
    (tensor(offsets=(8, 0)), "array 'x': bad data offsets [8, 0]"),
    (tensor(offsets=(0,)), "array 'x': bad data offsets [0]"),
    (tensor(shape=(3,)), "array 'x': shape [3] needs 12 bytes, its offsets span 8"),
    ("F32", "array 'x': its entry is not a JSON object"),
])
def test_bad_tensor_entries(tmp_path, entry, message):
    path = raw_file(tmp_path / "m", our_header({"x": entry}, {"x": "00000000"}), b"\x00" * 8)
    assert message in read_error(path)


def test_missing_checksum(tmp_path):
    path = raw_file(tmp_path / "m", our_header({"x": tensor()}, {}), b"\x00" * 8)
    assert "array 'x' has no checksum" in read_error(path)


def test_overlap_and_hole(tmp_path):
    crcs = {"x": "00000000", "y": "00000000"}
    path = raw_file(tmp_path / "m", our_header({"x": tensor(), "y": tensor(offsets=(4, 12))}, crcs),
                    b"\x00" * 12)
    assert "array 'y' overlaps the array before it" in read_error(path)
    path = raw_file(tmp_path / "m", our_header({"x": tensor(), "y": tensor(offsets=(12, 20))}, crcs),
                    b"\x00" * 20)
    assert "hole of 4 bytes before array 'y'" in read_error(path)
    path = raw_file(tmp_path / "m", our_header({"x": tensor(offsets=(4, 12))}, crcs), b"\x00" * 12)
    assert "hole of 4 bytes before array 'x'" in read_error(path)


@pytest.mark.parametrize("cut", [1, 7, 30])
def test_truncated_data(tmp_path, cut):
    path = good_file(tmp_path)
    raw = open(path, "rb").read()
    open(path, "wb").write(raw[:-cut])
    assert read_error(path).endswith(f"truncated: {cut} bytes missing")
    assert read_error(path, mmap=False, verify=False).endswith(f"truncated: {cut} bytes missing")


@pytest.mark.parametrize("mmap", [True, False])
def test_file_shrinking_while_read(tmp_path, monkeypatch, mmap):
    path = str(tmp_path / "m.w2v")    # larger than the reader's buffer
    M.write(path, {"syn0": np.ones((100, 100), np.float32)}, {})
    real = M._parse_header

    def then_shrink(*args):
        parsed = real(*args)
        os.truncate(path, os.path.getsize(path) - 5)
        return parsed

    monkeypatch.setattr(M, "_parse_header", then_shrink)
    assert read_error(path, mmap=mmap).endswith("truncated while reading")


def test_trailing_bytes(tmp_path):
    path = good_file(tmp_path)
    with open(path, "ab") as f:
        f.write(b"xyz")
    assert read_error(path).endswith("3 unexpected bytes after the last array")


@pytest.mark.parametrize("mmap", [True, False])
def test_corrupted_array(tmp_path, mmap):
    path = good_file(tmp_path)
    raw = bytearray(open(path, "rb").read())
    raw[-10] ^= 0x01                       # inside syn0 (blob is the last 6 bytes)
    open(path, "wb").write(bytes(raw))
    assert read_error(path, mmap=mmap).endswith("corrupted: array 'syn0' fails its checksum")
    got, _ = M.read(path, mmap=mmap, verify=False)
    assert got["syn0"].shape == (4, 5)


def test_corrupted_header_is_detected(tmp_path):
    path = good_file(tmp_path)
    raw = open(path, "rb").read()
    open(path, "wb").write(raw.replace(b'"shape":[4,5]', b'"shape":[5,4]'))
    got, _ = M.read(path)                  # same bytes, other shape: still consistent
    assert got["syn0"].shape == (5, 4)
    open(path, "wb").write(raw.replace(b'"shape":[4,5]', b'"shape":[4,6]'))
    assert "shape [4, 6] needs 96 bytes, its offsets span 80" in read_error(path)


def test_word2vec_vectors_files_are_recognised(tmp_path):
    words = [b"</s>", b"king", b"queen"]
    vecs = np.arange(6, dtype=np.float32).reshape(3, 2)
    text = b"3 2\n" + b"".join(w + b" " + b" ".join(b"%f" % x for x in v) + b" \n"
                               for w, v in zip(words, vecs))
    binary = b"3 2\n" + b"".join(w + b" " + v.astype("<f4").tobytes() + b"\n"
                                 for w, v in zip(words, vecs))
    for name, data in (("v.txt", text), ("v.bin", binary), ("crlf.txt", b"1 1\r\na 0.5\r\n"),
                       ("tiny.txt", b"0 5\n")):
        path = tmp_path / name
        path.write_bytes(data)
        assert read_error(path).endswith(
            ": this is a word2vec vectors file, not a w2v model (use w2v.load / -init-vectors)"), name


def test_other_kinds_of_files_are_named(tmp_path):
    npz = io.BytesIO()
    np.savez(npz, a=np.ones(3))
    npy = io.BytesIO()
    np.save(npy, np.ones(3))
    cases = [
        ("m.gz", gzip.compress(b"3 2\n"), "this is a gzip file, not a w2v model"),
        ("m.npz", npz.getvalue(), "this is a zip file (.npz?), not a w2v model"),
        ("m.npy", npy.getvalue(), "this is a numpy .npy file, not a w2v model"),
        ("m.pkl", pickle.dumps({"a": 1}, protocol=4), "this is a Python pickle"),
        ("m.bz2", b"BZh91AY&SY", "this is a bzip2 file"),
        ("m.xz", b"\xfd7zXZ\x00\x00\x04", "this is an xz file"),
    ]
    for name, data, message in cases:
        path = tmp_path / name
        path.write_bytes(data)
        assert message in read_error(path), name


# ------------------------------------------------------------ vocabulary

def test_vocab_round_trip(tmp_path):
    words = [b"</s>", b"the", b"", b"\xff\xfe", "caf\u00e9".encode(), b"a b"]
    blob, offsets = M.vocab_to_arrays(words)
    assert blob.dtype == np.uint8 and blob.tobytes() == b"</s>the\xff\xfecaf\xc3\xa9a b"
    assert offsets.dtype == np.int64 and offsets.tolist() == [0, 4, 7, 7, 9, 14, 17]
    assert M.vocab_from_arrays(blob, offsets) == words
    path = str(tmp_path / "m.w2v")
    M.write(path, {"vocab_blob": blob, "vocab_offsets": offsets}, {})
    got, _ = M.read(path)
    assert M.vocab_from_arrays(got["vocab_blob"], got["vocab_offsets"]) == words
    blob, offsets = M.vocab_to_arrays([])
    assert blob.size == 0 and offsets.tolist() == [0]
    assert M.vocab_from_arrays(blob, offsets) == []


@pytest.mark.parametrize("blob, offsets, message", [
    (b"abc", [0, 2, 1, 3], "the word offsets decrease"),
    (b"abc", [1, 3], "the word offsets run from 1 to 3, not from 0 to the blob's 3 bytes"),
    (b"abc", [0, 2], "the word offsets run from 0 to 2, not from 0 to the blob's 3 bytes"),
    (b"abc", [], "the word offsets are not a non-empty 1-D integer array"),
    (b"abc", [0.0, 3.0], "the word offsets are not a non-empty 1-D integer array"),
    (None, [0, 3], "the word blob is not a 1-D uint8 array"),
])
def test_vocab_errors(blob, offsets, message):
    arr = np.frombuffer(blob, np.uint8) if blob is not None else np.zeros(3, np.int32)
    with pytest.raises(W2VError) as info:
        M.vocab_from_arrays(arr, np.array(offsets), what="model file 'm'")
    assert str(info.value) == f"model file 'm': {message}"


def test_rewriting_a_model_over_its_own_mapped_file(tmp_path):
    path = good_file(tmp_path)
    arrays, meta = M.read(path)
    M.write(path, {**arrays, "extra": np.arange(3, dtype=np.int64)}, {**meta, "epoch": 2})
    assert arrays["syn0"][3, 4] == 19.0     # the old mapping still sees the old file
    again, meta2 = M.read(path)
    assert meta2 == {"size": 5, "epoch": 2}
    assert np.array_equal(again["syn0"], np.arange(20, dtype=np.float32).reshape(4, 5))
    assert again["extra"].tolist() == [0, 1, 2]
    assert files_in(tmp_path) == ["m.w2v"]
