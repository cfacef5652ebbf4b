"""What the machine does to a library: the disk fills up, the folder is read-only, two
ingests run at once. Each gets a clear message and leaves the library consistent."""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .components import missing, used
from .test_crash_safety import _consistent

EARNEST = [sys.executable, "-m", "earnest"]


def _texts(folder: Path, names: list[str], lines: int = 400) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / f"{name}.txt").write_text("".join(
            f"{name} line {n}: the {name} segment's revenue rose {n % 37}% to {n * 7 % 900} "
            "million dollars on pricing.\n" for n in range(lines)))


def _run(*args: str, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run([*EARNEST, *args], capture_output=True, text=True, timeout=600,
                          preexec_fn=preexec)


@pytest.mark.parametrize("lines,room", [(6000, 64 * 1024), (1500, 8 * 1024)],
                         ids=["copying the original", "writing the database"])
def test_disk_full_mid_ingest(tmp_path: Path, lines: int, room: int) -> None:
    library = tmp_path / "lib"
    _texts(tmp_path / "first", ["alpha", "beta"])
    # Keywords only: what fills the disk is the next ingest; vectors here would only be slow.
    assert _run("ingest", str(tmp_path / "first"), "--library", str(library),
                "--no-embed").returncode == 0
    # 0.6 MB files do not fit beside the library; 0.15 MB ones do, their passages do not.
    _texts(tmp_path / "more", ["gamma", "delta"], lines=lines)
    sizes = [p.stat().st_size for p in library.rglob("*") if p.is_file()]
    if lines < 6000:  # room for the originals, then the database runs out
        sizes += [p.stat().st_size for p in (tmp_path / "more").iterdir()]
    limit = max(sizes) + room

    def small_disk() -> None:  # writes past the limit fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    full = _run("ingest", str(tmp_path / "more"), "--library", str(library), preexec=small_disk)
    assert full.returncode == 1, full.stdout + full.stderr
    said = full.stdout + full.stderr
    assert "no space left" in said and str(library) in said, said
    assert "Traceback" not in said
    names, _ = _consistent(library)
    assert {"alpha", "beta"} <= set(names)
    # Space again: the same files go in (keywords only: the vectors' resumption is the kill -9
    # suite's, and embedding 1,000 passages would only make this test slow).
    again = _run("ingest", str(tmp_path / "more"), "--library", str(library), "--no-embed")
    assert again.returncode == 0, again.stdout + again.stderr
    assert _consistent(library)[0] == ["alpha", "beta", "delta", "gamma"]
    assert not list((library / "files").glob("*.part"))


def test_read_only_library_folder(tmp_path: Path) -> None:
    if not shutil.which("unshare") or subprocess.run(
            ["unshare", "-rm", "true"], capture_output=True).returncode:
        missing("namespaces", "`unshare -rm` (user and mount namespaces, for a read-only "
                "mount) is not available")
    used("namespaces")
    library = tmp_path / "lib"
    _texts(tmp_path / "first", ["alpha"])
    assert _run("ingest", str(tmp_path / "first"), "--library", str(library)).returncode == 0
    _texts(tmp_path / "more", ["beta"])

    def read_only(*args: str) -> subprocess.CompletedProcess:
        script = ('mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && '
                  'exec "$@"')
        return subprocess.run(["unshare", "-rm", "sh", "-c", script, str(library), *EARNEST,
                               *args], capture_output=True, text=True, timeout=300)

    # Asking writes too (the audit log, the kept answer): both say why they cannot.
    for args in (["ask", "What did alpha's revenue do?"], ["ingest", str(tmp_path / "more")]):
        done = read_only(*args, "--library", str(library))
        said = done.stdout + done.stderr
        assert done.returncode == 1 and "read-only" in said and str(library) in said, said
        assert "Traceback" not in said and "internal" not in said
    assert _consistent(library) == (["alpha"], 0)


def test_two_ingests_on_one_library_at_once(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    names = [f"doc{i}" for i in range(8)]
    _texts(tmp_path / "in", names, lines=60)  # both contend for every commit and vector write
    cmd = [*EARNEST, "ingest", str(tmp_path / "in"), "--library", str(library)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert _consistent(library) == (names, 0)
