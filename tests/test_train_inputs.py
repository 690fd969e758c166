"""`w2v train` with several input files: -train repeated or a glob, each file
ending a line; the same corpus as the files joined by hand."""
from __future__ import annotations

import pytest

from w2vtest import assert_one_line_error, make_text

COMMON = ["-size", "8", "-iter", "1", "-min-count", "2", "-threads", "1", "-debug", "0", "-seed", "3"]


def test_several_files_train_like_the_joined_text(tmp_path, w2v_cli):
    a, b = make_text(1, 60), make_text(2, 40).rstrip(b"\n")      # b lacks its final newline
    c = make_text(3, 30)
    (tmp_path / "s1.txt").write_bytes(a)
    (tmp_path / "s2.txt").write_bytes(b)
    (tmp_path / "s3.txt").write_bytes(c)
    (tmp_path / "joined.txt").write_bytes(a + b + b"\n" + c)
    r = w2v_cli("train", "-train", "joined.txt", "-output", "one.txt", "-save-vocab", "v1.txt", *COMMON)
    assert r.returncode == 0, r
    r = w2v_cli("train", "-train", "s1.txt", "-train", "s2.txt", "-train", "s3.txt", "-output", "rep.txt",
                "-save-vocab", "v2.txt", *COMMON)
    assert r.returncode == 0, r
    r = w2v_cli("train", "-train", "s*.txt", "-output", "glob.txt", "-save-vocab", "v3.txt", *COMMON)
    assert r.returncode == 0, r
    assert (tmp_path / "v1.txt").read_bytes() == (tmp_path / "v2.txt").read_bytes() == (tmp_path / "v3.txt").read_bytes()
    # one thread, same seed, same ids: the same vectors byte for byte
    assert (tmp_path / "one.txt").read_bytes() == (tmp_path / "rep.txt").read_bytes() == (tmp_path / "glob.txt").read_bytes()


def test_glob_without_match_and_stdin_mix(tmp_path, w2v_cli):
    (tmp_path / "a.txt").write_bytes(b"x y\n")
    r = w2v_cli("train", "-train", "none-*.txt", "-output", "o.txt")
    assert_one_line_error(r, contains="training file pattern 'none-*.txt' matches no file")
    r = w2v_cli("train", "-train", "-", "-train", "a.txt", "-output", "o.txt")
    assert_one_line_error(r, contains="-train -: standard input cannot be combined with other training files")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@pytest.mark.parametrize("flags,message", [
    (["-sync-every", "-1"], "-sync-every must be a number of seconds >= 0 (got -1.0)"),
    (["-sync-words", "-5"], "-sync-words must be an integer >= 0 (got -5)"),
    (["-bind", "2"], "-bind must be 0 or 1 (got 2)"),
    (["-sync-words", "0"], "-sync-words 0 needs -sync-every SEC > 0: the ranks must meet by words or by time"),
])
def test_sync_flags_must_be_valid(tmp_path, w2v_cli, flags, message):
    (tmp_path / "a.txt").write_bytes(b"x y\n")
    r = w2v_cli("train", "-train", "a.txt", "-output", "o.txt", *flags)
    assert_one_line_error(r, contains=message)
