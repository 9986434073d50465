"""Malformed and hostile input through the CLI: one `file:line:col: error:` line and exit 2,
never a traceback; `fix --write` never corrupts a file nor leaves a temp file behind."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecsinit_lint.cli import app as cli
from ecsinit_lint.fix import fixer
from ecsinit_lint.inputs import sources

TASKDEF = {"family": "app", "containerDefinitions": [{"name": "app", "image": "debian", "command": ["./server"]}]}
TEXT = json.dumps(TASKDEF, indent=2) + "\n"


def run(*args):
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output + result.stderr
    return result


def assert_input_error(result, path, message):
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith(f"{path}:") and message in errors[0], result.stderr


def write(tmp_path, data: bytes, name="taskdef.json") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_random_bytes(tmp_path):
    path = write(tmp_path, bytes(range(256)) * 4)
    assert_input_error(run("check", path), path, "not UTF-8 text")


def test_invalid_utf8_says_where(tmp_path):
    path = write(tmp_path, TEXT.replace('"debian"', '"deb\udcffian"').encode("utf-8", "surrogateescape"))
    result = run("check", path)
    assert_input_error(result, path, "not UTF-8 text (byte 0xff)")
    assert f"{path}:6:" in result.stderr


BLANK = [b"", b" \n\t\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n  "]


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml", ".template"])
@pytest.mark.parametrize("named", [True, False])
def test_empty_blank_or_bom_only_files_hold_nothing(tmp_path, suffix, named):
    """A placeholder file holds no task definition: no error, walked or named, and fix leaves it."""
    paths = [write(tmp_path, raw, f"blank{i}{suffix}") for i, raw in enumerate(BLANK)]
    for command in (["check"], ["fix", "--write"]):
        result = run(*command, *(paths if named else [tmp_path]))
        assert result.exit_code == 0 and "error" not in result.stderr, result.stderr
    assert [p.read_bytes() for p in paths] == BLANK
    nbsp = write(tmp_path, "\u00a0".encode(), "nbsp.json")  # not JSON whitespace: still invalid
    assert_input_error(run("check", nbsp), nbsp, "invalid JSON")


def test_invalid_json_says_where(tmp_path):
    path = write(tmp_path, TEXT.replace('"app",', '"app"').encode())
    assert_input_error(run("check", path), path, "invalid JSON")


def test_bom_lints_and_fix_keeps_it(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + TEXT.encode())
    assert "INIT001" in run("check", path).stdout
    assert run("fix", "--write", path).exit_code == 0
    fixed = path.read_bytes()
    assert fixed.startswith(b"\xef\xbb\xbf") and json.loads(fixed[3:])["containerDefinitions"][0]["linuxParameters"]


def test_crlf_lints_and_fix_keeps_crlf(tmp_path):
    path = write(tmp_path, TEXT.replace("\n", "\r\n").encode())
    assert "taskdef.json:4:5: INIT001" in run("check", path).stdout  # as with LF
    assert run("fix", "--write", path).exit_code == 0
    fixed = path.read_bytes()
    assert b"initProcessEnabled" in fixed and fixed.count(b"\n") == fixed.count(b"\r\n")


def test_file_over_the_size_cap(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.write(b'{"x": "')
        f.truncate(50 * 2**20)
    assert_input_error(run("check", path), path, f"larger than the {sources.MAX_BYTES // 2**20} MiB limit")


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_nesting_10000_deep(tmp_path, opening):
    closing = "]" if opening == "[" else "}"
    path = write(tmp_path, (opening * 10_000 + "1" + closing * 10_000).encode())
    assert_input_error(run("check", path), path, "nested too deeply")


def test_deep_but_parsable_nesting_inside_a_task_definition(tmp_path):
    data = dict(TASKDEF, extra=json.loads("[" * 500 + "]" * 500))
    path = write(tmp_path, json.dumps(data).encode())
    assert run("check", path).exit_code == 1
    assert_input_error(run("fix", "--write", path), path, "nested too deeply to fix")
    assert json.loads(path.read_text()) == data


def test_symlink_loops(tmp_path):
    (tmp_path / "d").mkdir()
    write(tmp_path / "d", TEXT.encode())
    os.symlink(tmp_path / "d", tmp_path / "d" / "loop")  # a directory loop: not followed
    os.symlink(tmp_path / "d" / "b.json", tmp_path / "d" / "a.json")  # a file loop: an error
    os.symlink(tmp_path / "d" / "a.json", tmp_path / "d" / "b.json")
    result = run("check", tmp_path / "d")
    assert "taskdef.json" in result.stdout and result.exit_code == 2
    assert result.stderr.count("Too many levels of symbolic links") == 2


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_file_changed_between_read_and_write(tmp_path, monkeypatch, change):
    path = write(tmp_path, TEXT.encode())
    real_fix = fixer.fix

    def fix_then_change(doc, *args, **kwargs):
        result = real_fix(doc, *args, **kwargs)
        path.write_text(TEXT + " ") if change == "edit" else path.unlink()
        return result

    monkeypatch.setattr(fixer, "fix", fix_then_change)  # `fix` imports it when it runs
    result = run("fix", "--write", path)
    assert_input_error(result, path, "changed while it was being fixed" if change == "edit" else "No such file")
    assert (path.read_text() == TEXT + " ") if change == "edit" else not path.exists()
    assert os.listdir(tmp_path) == ([path.name] if change == "edit" else [])


def test_read_only_file_is_not_written(tmp_path):
    path = write(tmp_path, TEXT.encode())
    path.chmod(0o444)
    assert_input_error(run("fix", "--write", path), path, "read-only")
    assert path.read_text() == TEXT and os.listdir(tmp_path) == [path.name]


@pytest.fixture
def tmpfs(tmp_path):
    """A 64 KiB tmpfs: a real full disk and a real read-only file system (root only)."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount]).returncode:
        pytest.skip("mounting a tmpfs needs root")
    yield mount
    subprocess.run(["umount", mount], check=True)


def test_full_disk_leaves_the_file_and_no_temp_file(tmpfs):
    path = write(tmpfs, TEXT.encode())
    with open(tmpfs / "filler", "wb", buffering=0) as f:
        with pytest.raises(OSError) as exc:
            while True:
                f.write(b"\0" * 4096)
        assert exc.value.errno == errno.ENOSPC
    assert_input_error(run("fix", "--write", path), path, "No space left on device")
    assert path.read_text() == TEXT and sorted(os.listdir(tmpfs)) == ["filler", path.name]


def test_read_only_file_system(tmpfs):
    path = write(tmpfs, TEXT.encode())
    subprocess.run(["mount", "-o", "remount,ro", tmpfs], check=True)
    assert_input_error(run("fix", "--write", path), path, "Read-only file system")
    assert path.read_text() == TEXT and os.listdir(tmpfs) == [path.name]


def test_no_traceback_from_the_installed_command(tmp_path):
    path = write(tmp_path, b"\xff\xfe{")
    result = subprocess.run([sys.executable, "-m", "ecsinit_lint", "check", path], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.strip() == f"{path}:1:1: error: not UTF-8 text (byte 0xff)"


# ---- `fix --write` loses nothing: links, owner, inode; non-regular files; one file named twice ----


def fixed(path: Path) -> bool:
    return json.loads(path.read_text())["containerDefinitions"][0].get("linuxParameters") == {
        "initProcessEnabled": True
    }


@pytest.mark.parametrize("how", ["named", "walked"])
def test_symlink_is_written_through(tmp_path, how):
    target = write(tmp_path / "real", TEXT.encode()) if (tmp_path / "real").mkdir() is None else None
    (tmp_path / "d").mkdir()
    link = tmp_path / "d" / "link.json"
    link.symlink_to("../real/taskdef.json")
    result = run("fix", "--write", link if how == "named" else tmp_path / "d")
    assert result.exit_code == 0 and "fixed 1 file; 0 findings left" in result.stderr
    assert link.is_symlink() and os.readlink(link) == "../real/taskdef.json" and fixed(target)
    assert sorted(os.listdir(tmp_path / "real")) == ["taskdef.json"]


def test_owner_group_and_mode_are_kept(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("giving a file to another owner needs root")
    path = write(tmp_path, TEXT.encode())
    os.chown(path, 65534, 65534)
    path.chmod(0o664)
    assert run("fix", "--write", path).exit_code == 0 and fixed(path)
    info = path.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (65534, 65534, 0o664)


def _acl(uid: int) -> bytes:
    """A POSIX ACL as its xattr holds it (version 2; owner rw, user `uid` rw, group r, mask rw, other r)."""
    import struct

    entries = [
        (0x01, 6, 0xFFFFFFFF),
        (0x02, 6, uid),
        (0x04, 4, 0xFFFFFFFF),
        (0x10, 6, 0xFFFFFFFF),
        (0x20, 4, 0xFFFFFFFF),
    ]
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


def test_extended_attributes_are_kept(tmp_path):
    """The temp file renamed over the original gets its xattrs first: user.*, and a POSIX ACL."""
    path = write(tmp_path, TEXT.encode())
    try:
        os.setxattr(path, "user.origin", b"team-a")
    except OSError as exc:
        pytest.skip(f"{tmp_path} holds no user xattrs: {exc.strerror}")
    wanted = {"user.origin": b"team-a", "user.empty": b""}
    os.setxattr(path, "user.empty", b"")
    try:
        os.setxattr(path, "system.posix_acl_access", _acl(4242))
        wanted["system.posix_acl_access"] = _acl(4242)
    except OSError:  # no ACLs on this file system: the user.* ones still count
        pass
    mode = path.stat().st_mode
    inode = path.stat().st_ino
    assert run("fix", "--write", path).exit_code == 0 and fixed(path)
    assert path.stat().st_ino != inode, "renamed over, not written in place"
    assert {name: os.getxattr(path, name) for name in os.listxattr(path)} == wanted
    assert path.stat().st_mode == mode
    assert sorted(os.listdir(tmp_path)) == ["taskdef.json"]


def test_hard_link_keeps_its_inode(tmp_path):
    path = write(tmp_path, TEXT.encode())
    other = tmp_path / "other.json"
    os.link(path, other)
    inode = path.stat().st_ino
    assert run("fix", "--write", path).exit_code == 0
    assert path.stat().st_ino == other.stat().st_ino == inode and fixed(other)
    assert sorted(os.listdir(tmp_path)) == ["other.json", "taskdef.json"]


def test_file_bind_mounted_on_its_own_is_written_in_place(tmp_path):
    """`docker run -v $PWD/td.json:/w/td.json`: renaming over a mount point is EBUSY."""
    source = write(tmp_path, TEXT.encode(), "source.json")
    mounted = write(tmp_path, b"", "mounted.json")
    if os.geteuid() != 0 or subprocess.run(["mount", "--bind", source, mounted]).returncode:
        pytest.skip("a bind mount needs root")
    try:
        result = run("fix", "--write", mounted)
        assert result.exit_code == 0, result.stderr
        assert fixed(mounted) and fixed(source)
    finally:
        subprocess.run(["umount", mounted], check=True)
    assert sorted(os.listdir(tmp_path)) == ["mounted.json", "source.json"]


def test_in_place_write_on_a_full_disk_leaves_the_file(tmpfs):
    """Written in place (a hard link), the part that needs more space is written first."""
    text = TEXT + " " * (4096 - len(TEXT))  # a whole page: the fix needs another
    path = write(tmpfs, text.encode())
    os.link(path, tmpfs / "other.json")
    with open(tmpfs / "filler", "wb", buffering=0) as f:
        with pytest.raises(OSError):
            while True:
                f.write(b"\0" * 4096)
    assert_input_error(run("fix", "--write", path), path, "No space left on device")
    assert path.read_text() == text and sorted(os.listdir(tmpfs)) == ["filler", "other.json", path.name]


def cli_process(*args, cwd=None):
    """The command in its own process, with a timeout: a FIFO opened for reading blocks forever."""
    return subprocess.run([sys.executable, "-m", "ecsinit_lint", *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd)  # fmt: skip


def test_walks_skip_what_is_not_a_regular_file(tmp_path):
    write(tmp_path, TEXT.encode())
    os.mkfifo(tmp_path / "stray.json")
    os.symlink("/dev/null", tmp_path / "device.json")
    for command in (["check"], ["fix", "--write"]):
        result = cli_process(*command, tmp_path)
        assert "error" not in result.stderr and "stray" not in result.stdout + result.stderr, result.stderr
    assert fixed(tmp_path / "taskdef.json")


@pytest.mark.parametrize("command", [["check"], ["fix"], ["fix", "--write"]])
def test_a_named_file_that_is_not_regular_is_refused(tmp_path, command):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/null", tmp_path / "dev.json"):
        if path == tmp_path / "dev.json":
            os.symlink("/dev/zero", path)
        result = cli_process(*command, path)
        assert result.returncode == 2 and result.stderr.splitlines()[0] == f"{path}:1:1: error: not a regular file"
    result = subprocess.run(
        [sys.executable, "-m", "ecsinit_lint", "check", "-"], input=TEXT, capture_output=True, text=True
    )
    assert result.returncode == 1 and "INIT001" in result.stdout  # `-` is still standard input


def _not_regular(tmp_path, kind: str) -> Path:
    path = tmp_path / f"side-{kind}.toml"
    os.mkfifo(path) if kind == "fifo" else os.symlink("/dev/zero", path)
    return path


@pytest.mark.parametrize("kind", ["fifo", "zero"])
@pytest.mark.parametrize(("command", "option"), [("check", "--config"), ("check", "--baseline"), ("fix", "--config")])
def test_a_named_side_file_that_is_not_regular_is_refused(tmp_path, kind, command, option):
    """A FIFO blocks an open for reading forever, /dev/zero never ends: refused before either."""
    side = _not_regular(tmp_path, kind)
    result = cli_process(command, option, side, write(tmp_path, TEXT.encode()))
    assert (result.returncode, result.stderr) == (2, f"{side}:1:1: error: not a regular file\n")


@pytest.mark.parametrize("kind", ["fifo", "zero"])
@pytest.mark.parametrize("name", ["pyproject.toml", ".ecsinit-lint.toml"])
@pytest.mark.parametrize("command", [["check"], ["fix", "--write"]])
def test_a_discovered_config_that_is_not_regular_is_an_error_naming_it(tmp_path, kind, name, command):
    """Found upward, it is not ignored either: the settings it may hold would be lost silently."""
    (tmp_path / "sub").mkdir()
    _not_regular(tmp_path, kind).rename(tmp_path / name)
    write(tmp_path / "sub", TEXT.encode())
    result = cli_process(*command, "sub", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, f"{name}:1:1: error: not a regular file\n")
    assert (tmp_path / "sub" / "taskdef.json").read_text() == TEXT


def test_a_file_named_twice_is_linted_once(tmp_path):
    path = write(tmp_path, TEXT.encode())
    (tmp_path / "link.json").symlink_to(path.name)
    names = [path.name, f"./{path.name}", ".//taskdef.json", "link.json", "."]
    result = cli_process("check", "--format", "json", *names, cwd=tmp_path)
    report = json.loads(result.stdout)
    assert [f["file"] for f in report["findings"]] == ["taskdef.json"] and report["summary"]["files"] == 1
    result = cli_process("fix", "--write", *names, cwd=tmp_path)
    assert result.stderr == "fixed 1 file; 0 findings left\n" and fixed(path)


def test_walked_paths_have_no_leading_dot_slash(tmp_path):
    write(tmp_path / "deploy", TEXT.encode(), "web.json") if (tmp_path / "deploy").mkdir() is None else None
    for spelling in (".", "./", "./deploy", "deploy/"):
        result = cli_process("check", spelling, cwd=tmp_path)
        assert result.stdout.startswith("deploy/web.json:4:5: INIT001"), (spelling, result.stdout)


def test_a_refused_write_counts_the_findings_left(tmp_path):
    path = write(tmp_path, TEXT.encode())
    path.chmod(0o444)
    result = run("fix", "--write", path)
    assert result.exit_code == 2 and result.stderr.splitlines()[-1] == "fixed 0 files; 1 finding left"
