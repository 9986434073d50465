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

from ecsinit_lint import cli, fixer, sources

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
