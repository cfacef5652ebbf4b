"""The audit log: append-only, hash-chained. Each record stores the hash of the one before it,
and its own hash covers its canonical JSON, so a record changed, removed or moved breaks the
chain at that record. (Removing the newest records leaves a valid shorter chain: compare the
head hash `earnest audit verify` prints with one kept elsewhere.)"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

from earnest.errors import AuditError, InputError
from earnest.trust.db import SqliteDb

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """The one JSON text of a value that hashes are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_hash(prev_hash: str, record: dict[str, Any]) -> str:
    return sha256_text(prev_hash + "\n" + canonical(record))


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(slots=True)
class AuditEntry:
    seq: int
    record: dict[str, Any]  # seq, at, kind, actor and the kind's fields
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Verification:
    ok: bool
    records: int
    head: str  # hash of the newest record: keep it elsewhere to detect a cut tail
    problem: str | None = None  # changed | removed | reordered
    seq: int | None = None  # the first record at fault
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AuditLog(Protocol):
    def append(self, kind: str, actor: str, fields: dict[str, Any]) -> AuditEntry: ...
    def entries(self, since: str | None = None, after_seq: int = 0,
                limit: int | None = None) -> Iterator[AuditEntry]: ...

    def verify(self, head: str | None = None) -> Verification:
        """Recompute the chain; with ``head`` (a hash kept elsewhere) also require that
        record to be in it, so records cut from the end are found too."""
        ...


def check_chain(rows: Iterator[tuple[int, str, str, str]]) -> Verification:
    """Recompute the chain over (seq, record JSON, prev_hash, hash) rows in storage order."""
    prev, expected, count = GENESIS, 1, 0
    for seq, text, prev_hash, stored_hash in rows:
        count += 1
        try:
            record = json.loads(text)
        except ValueError:
            return Verification(False, count, prev, "changed", seq,
                                f"record {seq} was changed: it is not JSON any more")
        if seq != expected:
            return Verification(False, count, prev, "removed", expected,
                                f"record {expected} was removed (record {seq} follows "
                                f"record {expected - 1})")
        if record.get("seq") != seq:
            return Verification(False, count, prev, "reordered", seq,
                                f"record {seq} was reordered: position {seq} holds record "
                                f"{record.get('seq')}")
        if record_hash(prev_hash, record) != stored_hash:
            return Verification(False, count, prev, "changed", seq,
                                f"record {seq} was changed: its hash does not match its "
                                "content")
        if prev_hash != prev:
            return Verification(False, count, prev, "changed", seq - 1 if seq > 1 else seq,
                                f"record {seq} does not follow record {seq - 1}: record "
                                f"{seq - 1} was changed or replaced")
        prev, expected = stored_hash, expected + 1
    return Verification(True, count, prev, message=f"{count} records, chain intact")


def next_entry(last: tuple | None, kind: str, actor: str,
               fields: dict[str, Any]) -> AuditEntry:
    """The record after ``last`` (its (seq, hash), or None for the first), hashed."""
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    record = {**fields, "seq": seq, "at": now_iso(), "kind": kind, "actor": actor}
    return AuditEntry(seq, record, prev, record_hash(prev, record))


def with_head(result: Verification, head: str | None,
              seq_of: Callable[[str], int | None]) -> Verification:
    """``result``, also requiring the record whose hash is ``head`` (kept from an earlier
    run) to be in the chain, so records cut from the end are found too."""
    if not (result.ok and head):
        return result
    seq = seq_of(head.strip().lower())
    if seq is None:
        return Verification(False, result.records, result.head, "removed", None,
                            f"no record has the head hash {head}: records after it were "
                            "removed, or the chain was rewritten")
    result.message += f"; head {head[:12]}… is record {seq}"
    return result


class SqliteAuditLog:
    """The log in the library's SQLite file (table audit_log, migration 5 of the store)."""

    def __init__(self, path: str | Path) -> None:
        self.db = SqliteDb(path)

    def append(self, kind: str, actor: str, fields: dict[str, Any]) -> AuditEntry:
        try:
            with self.db.write() as conn:
                entry = next_entry(conn.execute("select seq, hash from audit_log order by "
                                                "seq desc limit 1").fetchone(),
                                   kind, actor, fields)
                conn.execute("insert into audit_log values (?,?,?,?)",
                             (entry.seq, canonical(entry.record), entry.prev_hash, entry.hash))
        except Exception as exc:
            raise AuditError(f"cannot write the audit log ({type(exc).__name__}: {exc})") \
                from exc
        return entry

    def entries(self, since: str | None = None, after_seq: int = 0,
                limit: int | None = None) -> Iterator[AuditEntry]:
        where, params = "seq > ?", [after_seq]
        if since:
            where += " and json_extract(record, '$.at') >= ?"
            params.append(_iso(since))
        rows = self.db.conn().execute(
            f"select seq, record, prev_hash, hash from audit_log where {where} order by seq "
            "limit ?", [*params, -1 if limit is None else limit]).fetchall()
        for seq, text, prev_hash, digest in rows:
            yield AuditEntry(seq, json.loads(text), prev_hash, digest)

    def verify(self, head: str | None = None) -> Verification:
        rows = self.db.conn().execute(
            "select seq, record, prev_hash, hash from audit_log order by seq")
        def seq_of(digest: str) -> int | None:
            row = self.db.conn().execute("select seq from audit_log where hash = ?",
                                         (digest,)).fetchone()
            return row[0] if row else None

        return with_head(check_chain(iter(rows)), head, seq_of)

    def close(self) -> None:
        self.db.close()


def _iso(value: str) -> str:
    """An ISO date or date-time, as UTC text comparable with the records' ``at``."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"not an ISO date: {value!r} (e.g. 2026-01-31 or "
                         "2026-01-31T09:00:00Z)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    except OverflowError:  # year 1 or 9999 shifted past the calendar: before/after everything
        edge = datetime.min if parsed.year < 5000 else datetime.max
        return edge.replace(tzinfo=timezone.utc).isoformat(timespec="milliseconds")


__all__ = ["AuditEntry", "AuditLog", "SqliteAuditLog", "Verification", "canonical",
           "check_chain", "record_hash", "sha256_text"]
