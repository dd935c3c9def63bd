"""utils.get_file: atomic, hash-checked downloads into the cache (file:// origins, offline) and safe extraction."""
import hashlib
import io
import os
import sys
import tarfile
import zipfile

import pytest

from glassnet.datasets import DatasetError, _archive
from glassnet.utils import get_file


def _origin(path):
    return path.as_uri()


@pytest.fixture
def payload(tmp_path):
    src = tmp_path / "server" / "data.bin"
    src.parent.mkdir()
    src.write_bytes(os.urandom(3000) + b"glassnet")
    return src


def _leftovers(folder):
    return [p.name for p in folder.rglob("*") if p.name.startswith(".")]


def test_download_into_the_cache_with_either_hash(tmp_path, payload):
    cache = tmp_path / "cache"
    sha = hashlib.sha256(payload.read_bytes()).hexdigest()
    md5 = hashlib.md5(payload.read_bytes()).hexdigest()
    path = get_file("d.bin", origin=_origin(payload), file_hash=sha, cache_dir=cache)
    assert isinstance(path, str) and path == str(cache / "datasets" / "d.bin")
    assert open(path, "rb").read() == payload.read_bytes()
    assert get_file("e.bin", origin=_origin(payload), md5_hash=md5, cache_dir=cache, cache_subdir="sub") == \
        str(cache / "sub" / "e.bin")
    assert get_file(origin=_origin(payload), file_hash=md5, hash_algorithm="md5", cache_dir=cache).endswith("data.bin")
    # the default cache is $GLASSNET_HOME (the tests' conftest points it at a temporary folder)
    assert get_file("f.bin", origin=_origin(payload)) == os.path.join(os.environ["GLASSNET_HOME"], "datasets", "f.bin")


def test_a_wrong_hash_writes_nothing_and_a_bad_cached_copy_is_fetched_again(tmp_path, payload, capsys):
    cache = tmp_path / "cache"
    with pytest.raises(DatasetError, match=r"incomplete or corrupted download: its sha256 is [0-9a-f]{64}, expected 0{64}"):
        get_file("d.bin", origin=_origin(payload), file_hash="0" * 64, cache_dir=cache)
    assert not (cache / "datasets" / "d.bin").exists() and _leftovers(cache) == []
    sha = hashlib.sha256(payload.read_bytes()).hexdigest()
    path = get_file("d.bin", origin=_origin(payload), file_hash=sha, cache_dir=cache)
    with open(path, "r+b") as fh:            # damage the cached copy: it is noticed and replaced
        fh.write(b"XX")
    assert get_file("d.bin", origin=_origin(payload), file_hash=sha, cache_dir=cache) == path
    assert open(path, "rb").read() == payload.read_bytes()
    assert "hash does not match" in capsys.readouterr().out
    # without a hash, a cached copy is used as it is (no download: the origin may be gone)
    payload.unlink()
    assert get_file("d.bin", origin=_origin(payload), cache_dir=cache) == path
    with pytest.raises(DatasetError, match="URL fetch failure on file:"):
        get_file("gone.bin", origin=_origin(payload), cache_dir=cache)
    assert not (cache / "datasets" / "gone.bin").exists()


def test_argument_errors(tmp_path, payload):
    with pytest.raises(ValueError, match="origin"):
        get_file("x")
    with pytest.raises(ValueError, match="not a path"):
        get_file(os.path.join("a", "b"), origin=_origin(payload), cache_dir=tmp_path)
    with pytest.raises(ValueError, match="hash_algorithm must be one of auto, md5, sha256; got 'sha1'"):
        get_file("x", origin=_origin(payload), hash_algorithm="sha1", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="file_hash must be an MD5"):
        get_file("x", origin=_origin(payload), file_hash="abc", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="cannot tell the file name"):
        get_file(origin="file:///", cache_dir=tmp_path)


def test_progress_bar_on_a_terminal(tmp_path, payload, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    get_file("d.bin", origin=_origin(payload), cache_dir=tmp_path)
    assert "Downloading d.bin" in term.getvalue() and "━" in term.getvalue()


def _tar(path, members, mode="w:gz"):
    """members: (name, bytes) for files, (name, ('sym'|'hard', target)) for links."""
    with tarfile.open(path, mode) as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if isinstance(content, tuple):
                info.type = tarfile.SYMTYPE if content[0] == "sym" else tarfile.LNKTYPE
                info.linkname = content[1]
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return path


def test_extract_tar_and_zip_with_keras_folder_names(tmp_path):
    server = tmp_path / "server"
    server.mkdir()
    tgz = _tar(server / "pack.tar.gz", [("pack/a.txt", b"alpha"), ("pack/sub/b.txt", b"beta"),
                                        ("pack/link", ("sym", "a.txt"))])
    with zipfile.ZipFile(server / "z.zip", "w") as z:
        z.writestr("inner/c.txt", "gamma")
    cache = tmp_path / "cache"
    out = get_file("pack.tar.gz", origin=_origin(tgz), extract=True, cache_dir=cache)
    assert out == str(cache / "datasets" / "pack_extracted")
    assert (cache / "datasets" / "pack.tar.gz").is_file()
    assert open(os.path.join(out, "pack", "sub", "b.txt"), "rb").read() == b"beta"
    assert open(os.path.join(out, "pack", "link"), "rb").read() == b"alpha"     # a link inside is fine
    out = get_file("cifar-like", origin=_origin(tgz), untar=True, cache_dir=cache)
    assert out == str(cache / "datasets" / "cifar-like") and (cache / "datasets" / "cifar-like_archive").is_file()
    out = get_file(origin=_origin(server / "z.zip"), extract=True, cache_dir=cache)
    assert open(os.path.join(out, "inner", "c.txt")).read() == "gamma"
    assert _leftovers(cache) == []


@pytest.mark.parametrize("members, what", [
    ([("ok.txt", b"1"), ("../evil.txt", b"x")], r"member '../evil.txt' would be written outside"),
    ([("/tmp/evil_glassnet_abs.txt", b"x")], r"member '/tmp/evil_glassnet_abs.txt' would be written outside"),
    ([("a/../../evil.txt", b"x")], r"member .a/../../evil.txt. would be written outside"),
    ([("link", ("sym", "/etc/passwd"))], r"member 'link' is a symbolic link to '/etc/passwd', outside"),
    ([("d/link", ("sym", "../../evil"))], r"member .d/link. is a symbolic link to '../../evil', outside"),
    ([("hard", ("hard", "../evil.txt"))], r"member .hard. is a hard link to '../evil.txt', outside"),
])
def test_hostile_tar_members_are_refused_and_nothing_is_written(tmp_path, members, what):
    box = tmp_path / "box"
    box.mkdir()
    bad = _tar(tmp_path / "bad.tar.gz", members)
    with pytest.raises(DatasetError, match=f"bad.tar.gz: {what}"):
        _archive.extract_archive(bad, box / "out")
    assert list(box.iterdir()) == [] and not (tmp_path / "evil.txt").exists()
    assert not os.path.exists("/tmp/evil_glassnet_abs.txt")


def test_hostile_zip_member_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as z:
        z.writestr("fine.txt", "1")
        z.writestr("../evil.txt", "x")
    with pytest.raises(DatasetError, match=r"bad.zip: member '../evil.txt' would be written outside"):
        get_file("bad.zip", origin=_origin(tmp_path / "bad.zip"), extract=True, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache" / "evil.txt").exists()
    assert not (tmp_path / "cache" / "datasets" / "bad_extracted").exists()


def test_decompression_bombs_stop_at_the_limit(tmp_path, monkeypatch):
    zeros = b"\0" * (3 << 20)
    bomb = _tar(tmp_path / "bomb.tar.gz", [("a", zeros), ("b", zeros)])
    assert bomb.stat().st_size < 100_000          # 6 MB of zeros in a few kB
    with pytest.raises(DatasetError, match=r"bomb.tar.gz: unpacks to more than 4194304 bytes"):
        _archive.extract_archive(bomb, tmp_path / "out", max_bytes=4 << 20)
    monkeypatch.setattr(_archive, "MAX_EXTRACTED_BYTES", 1 << 20)     # the default limit applies in get_file
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros", zeros)
    with pytest.raises(DatasetError, match=r"bomb.zip: unpacks to more than 1048576 bytes"):
        get_file("bomb.zip", origin=_origin(tmp_path / "bomb.zip"), extract=True, cache_dir=tmp_path / "c")
    assert [p.name for p in (tmp_path / "c" / "datasets").iterdir()] == ["bomb.zip"]
    assert not (tmp_path / "out").exists()


def test_truncated_archive_is_named(tmp_path):
    good = _tar(tmp_path / "t.tar.gz", [("a", os.urandom(50_000))])
    (tmp_path / "cut.tar.gz").write_bytes(good.read_bytes()[:20_000])
    with pytest.raises(DatasetError, match="cut.tar.gz: not a complete tar archive"):
        _archive.extract_archive(tmp_path / "cut.tar.gz", tmp_path / "out")
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []
    assert _archive.extract_archive(good, tmp_path / "o2", archive_format="zip") is False
    assert _archive.extract_archive(good, tmp_path / "o2", archive_format=None) is False


def test_signature_is_keras_3s(tmp_path, payload):
    import inspect

    import glassnet.utils

    params = inspect.signature(get_file).parameters
    assert list(params) == ["fname", "origin", "untar", "md5_hash", "file_hash", "cache_subdir", "hash_algorithm",
                            "extract", "archive_format", "cache_dir", "force_download"]
    assert [p.default for p in params.values()] == [None, None, False, None, None, "datasets", "auto", False, "auto",
                                                    None, False]
    assert "get_file" in glassnet.utils.__all__
    md5 = hashlib.md5(payload.read_bytes()).hexdigest()
    path = get_file("m.bin", origin=_origin(payload), file_hash=md5, cache_dir=tmp_path)   # 32 digits: MD5
    mtime = os.stat(path).st_mtime_ns
    assert get_file("m.bin", origin=_origin(payload), file_hash=md5, cache_dir=tmp_path) == path
    assert os.stat(path).st_mtime_ns == mtime                       # a correct cached copy is not fetched again
    get_file("m.bin", origin=_origin(payload), file_hash=md5, cache_dir=tmp_path, force_download=True)
    assert open(path, "rb").read() == payload.read_bytes()


def test_absolute_cache_subdir_and_re_extraction_replaces_the_folder(tmp_path):
    server = tmp_path / "server"
    server.mkdir()
    tgz = _tar(server / "p.tar.gz", [("a.txt", b"one"), ("old_only.txt", b"x")])
    target = tmp_path / "elsewhere"
    out = get_file("p.tar.gz", origin=_origin(tgz), extract=True, cache_subdir=str(target), cache_dir=tmp_path / "c")
    assert out == str(target / "p_extracted") and (target / "p_extracted" / "old_only.txt").is_file()
    _tar(server / "p.tar.gz", [("a.txt", b"two")])             # a new version, downloaded again by force
    get_file("p.tar.gz", origin=_origin(tgz), extract=True, cache_subdir=str(target), force_download=True)
    assert (target / "p_extracted" / "a.txt").read_bytes() == b"two"
    assert not (target / "p_extracted" / "old_only.txt").exists() and _leftovers(target) == []
