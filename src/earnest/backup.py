"""Online backup and verified restore of a SQLite library.

A backup is a folder: ``library.sqlite`` copied with SQLite's backup API (one consistent
snapshot, taken while other processes read and write), the original files the snapshot's
documents refer to, the settings file, and ``manifest.json`` with counts and a SHA-256 per
file. Restore checks every checksum and the database's integrity before anything is moved into
place. A PostgreSQL library is backed up with ``pg_dump`` or ``earnest export``: this module
refuses it with that message."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from earnest.errors import CorruptLibrary, InputError

FORMAT = "earnest-backup"
VERSION = 1
DB_NAME = "library.sqlite"
SETTINGS_NAME = "earnest.toml"
MANIFEST = "manifest.json"
# Tables counted into the manifest (and compared again on restore).
COUNTED = ("documents", "pages", "chunks", "metadata_overrides", "api_keys", "audit_log",
           "answers")
POSTGRES_MESSAGE = (
    "this library is stored in PostgreSQL: back it up with the database's own tool "
    "(pg_dump --format=custom DBNAME > earnest.dump; pg_restore to bring it back) plus a copy "
    "of the originals folder, or with `earnest export --library URL FILE` (documents, vectors, "
    "corrections and originals in one verified archive; `earnest import` restores it)")


@dataclass(slots=True)
class BackupReport:
    path: str
    counts: dict[str, int]
    files: int
    bytes: int
    seconds: float
    missing_originals: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    counts = {t: conn.execute(f"select count(*) from {t}").fetchone()[0]  # noqa: S608
              for t in COUNTED if t in tables}
    counts["vectors"] = conn.execute(
        "select count(*) from chunks where vector is not null").fetchone()[0]
    return counts


def _integrity(conn: sqlite3.Connection) -> str:
    return "; ".join(r[0] for r in conn.execute("pragma integrity_check").fetchall())


def _empty_or_absent(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def backup_library(db_path: Path, home: Path, dest: Path) -> BackupReport:
    """Copy the library at ``home`` (database ``db_path``) to the new folder ``dest``.

    Written to a temporary sibling and renamed at the end, so ``dest`` holds a complete
    backup or nothing."""
    t0 = time.perf_counter()
    dest = Path(dest)
    if not _empty_or_absent(dest):
        raise InputError(f"{dest} exists and is not empty: back up into a new folder",
                         path=str(dest))
    if Path(dest).resolve().is_relative_to(Path(home).resolve()):
        raise InputError(f"{dest} is inside the library: back up to a folder outside it",
                         path=str(dest))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
        out = sqlite3.connect(tmp / DB_NAME)
        try:
            src.backup(out)  # all pages in one step: one read transaction, one snapshot
            out.execute("pragma journal_mode = delete")  # one file, no -wal beside it
            counts = _counts(out)
            check = _integrity(out)
            originals = [f"{h}{Path(p).suffix.lower()}" for h, p in
                         out.execute("select content_hash, source_path from documents")]
        finally:
            out.close()
            src.close()
        if check != "ok":
            raise CorruptLibrary(f"the library's integrity check failed ({check}); nothing "
                                 "was backed up", path=str(db_path))
        missing = []
        (tmp / "files").mkdir()
        for name in sorted(set(originals)):
            source = Path(home) / "files" / name
            try:
                shutil.copy2(source, tmp / "files" / name)
            except FileNotFoundError:  # removed after the snapshot, or never kept
                missing.append(name)
        if (Path(home) / SETTINGS_NAME).is_file():
            shutil.copy2(Path(home) / SETTINGS_NAME, tmp / SETTINGS_NAME)
        checksums = {str(p.relative_to(tmp)): _sha256(p)
                     for p in sorted(tmp.rglob("*")) if p.is_file()}
        manifest = {"format": FORMAT, "version": VERSION, "source": str(Path(home).resolve()),
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "counts": counts, "integrity_check": check,
                    "missing_originals": missing, "sha256": checksums}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))
        size = sum((tmp / name).stat().st_size for name in checksums)
        os.replace(tmp, dest) if not dest.exists() else _replace_empty(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BackupReport(path=str(dest), counts=counts, files=len(checksums), bytes=size,
                        seconds=round(time.perf_counter() - t0, 3), missing_originals=missing)


def _replace_empty(tmp: Path, dest: Path) -> None:
    dest.rmdir()  # an empty folder the user made for it
    os.replace(tmp, dest)


def verify_backup(backup: Path) -> dict[str, Any]:
    """The manifest, after checking every file's checksum, the counts and the integrity."""
    backup = Path(backup)
    manifest_path = backup / MANIFEST
    if not manifest_path.is_file():
        raise InputError(f"{backup} is not an Earnest backup: no {MANIFEST}", path=str(backup))
    try:
        manifest = json.loads(manifest_path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptLibrary(f"{manifest_path} is not valid JSON ({exc})",
                             path=str(manifest_path)) from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise InputError(f"{manifest_path}: not an {FORMAT} v{VERSION} manifest",
                         path=str(manifest_path))
    present = {str(p.relative_to(backup)) for p in backup.rglob("*")
               if p.is_file() and p.name != MANIFEST}
    for name, digest in manifest["sha256"].items():
        if name not in present:
            raise CorruptLibrary(f"backup {backup} lacks {name}", path=str(backup / name))
        if _sha256(backup / name) != digest:
            raise CorruptLibrary(f"backup {backup}: {name} does not match its checksum "
                                 "(changed or damaged since the backup)", path=str(backup / name))
    extra = present - set(manifest["sha256"])
    if extra:
        raise CorruptLibrary(f"backup {backup} holds files its manifest does not list: "
                             f"{sorted(extra)[:3]}", path=str(backup))
    conn = sqlite3.connect(f"file:{backup / DB_NAME}?mode=ro", uri=True)
    try:
        check, counts = _integrity(conn), _counts(conn)
    finally:
        conn.close()
    if check != "ok" or counts != manifest["counts"]:
        raise CorruptLibrary(f"backup {backup}: database check {check!r}, counts {counts} "
                             f"(manifest {manifest['counts']})", path=str(backup / DB_NAME))
    return manifest


def restore_library(backup: Path, library: Path, *, force: bool = False) -> dict[str, Any]:
    """Put a verified backup at ``library``. A non-empty ``library`` is replaced only with
    ``force`` (stop any server on it first); the swap is two renames, so a failure leaves
    the old library or the new one, never a mix."""
    library = Path(library)
    if not _empty_or_absent(library) and not force:
        raise InputError(f"{library} is not empty: restore into a new folder, or pass --force "
                         "to replace that library (stop any server on it first)",
                         path=str(library))
    manifest = verify_backup(backup)
    library.parent.mkdir(parents=True, exist_ok=True)
    tmp = library.parent / f".{library.name}.restoring-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        shutil.copytree(backup, tmp, ignore=shutil.ignore_patterns(MANIFEST))
        conn = sqlite3.connect(tmp / DB_NAME)
        try:
            conn.execute("pragma journal_mode = wal")  # as the store opens it
        finally:
            conn.close()
        if library.exists():
            old = library.parent / f".{library.name}.replaced-{os.getpid()}"
            os.replace(library, old)
            os.replace(tmp, library)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, library)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest
