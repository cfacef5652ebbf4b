"""API keys and roles. A key is shown once; only the sha256 of its secret is stored, so a copy
of the library file gives no working key."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, Sequence

from earnest.errors import Forbidden, InputError, NotFound, Unauthorized
from earnest.trust.db import SqliteDb

ROLES = ("reader", "editor", "admin")  # each may do what the one before it may, and more
ALL = "*"  # a grant of every collection, present and future
_COLLECTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TOKEN = re.compile(r"^ek_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


def check_collection(name: str) -> str:
    name = (name or "").strip()
    if not _COLLECTION.match(name):
        raise InputError(f"bad collection name {name!r}: letters, digits, '.', '_' and '-', "
                         "up to 64 characters")
    return name


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a key's id, role and granted collections (None: every collection).
    The local owner (the CLI, or a server with auth off) is ``LOCAL``."""

    key_id: str | None
    role: str
    collections: tuple[str, ...] | None
    name: str = ""

    @property
    def actor(self) -> str:
        return self.key_id or "local"

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def require(self, role: str) -> None:
        if not self.can(role):
            raise Forbidden(f"this needs the {role} role; the key has {self.role}")

    def sees(self, collection: str) -> bool:
        return self.collections is None or collection in self.collections

    @property
    def all_collections(self) -> bool:
        return self.collections is None


LOCAL = Principal(None, "admin", None, "local")


@dataclass(slots=True)
class ApiKey:
    id: str
    name: str
    role: str
    collections: list[str]  # ["*"]: all
    created_at: str
    created_by: str
    revoked_at: str | None = None

    def principal(self) -> Principal:
        grant = None if ALL in self.collections else tuple(self.collections)
        return Principal(self.id, self.role, grant, self.name)

    def to_dict(self) -> dict:
        return asdict(self)


class KeyStore(Protocol):
    def create(self, name: str, role: str, collections: Sequence[str],
               created_by: str) -> tuple[ApiKey, str]:
        """A new key and its token (the only time the token exists outside the caller)."""
        ...

    def list(self) -> list[ApiKey]: ...
    def revoke(self, key_id: str) -> ApiKey: ...
    def authenticate(self, token: str) -> Principal: ...
    def get(self, key_id: str) -> ApiKey | None: ...
    def principal(self, key_id: str) -> Principal: ...
    def any_active(self) -> bool: ...


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """(key id, token). 256 random bits: a plain sha256 is enough, nothing to brute-force."""
    key_id = secrets.token_hex(6)
    return key_id, f"ek_{key_id}_{secrets.token_urlsafe(32)}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_key(name: str, role: str, collections: Sequence[str],
            created_by: str) -> tuple[ApiKey, str]:
    """A checked new key and its token, before it is stored (every KeyStore makes them so)."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; use {', '.join(ROLES)}")
    grant = sorted({c if c == ALL else check_collection(c) for c in collections}) or [ALL]
    if ALL in grant:
        grant = [ALL]
    key_id, token = new_token()
    return ApiKey(key_id, (name or "").strip()[:100] or key_id, role, grant, _now(),
                  created_by), token


class StoredKeys:
    """What every KeyStore does, over four storage calls a store supplies; queries are
    written with ``?`` placeholders."""

    _SELECT = ("select id, name, role, collections, created_at, created_by, revoked_at "
               "from api_keys")
    _active: bool | None = None  # cached: asked on every request

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        raise NotImplementedError

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        raise NotImplementedError

    def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a change in its own transaction; the rows it touched."""
        raise NotImplementedError

    def _store_grant(self, collections: list[str]) -> Any:
        """A key's collections as the table keeps them."""
        raise NotImplementedError

    def _read_grant(self, value: Any) -> list[str]:
        raise NotImplementedError

    def create(self, name: str, role: str, collections: Sequence[str],
               created_by: str) -> tuple[ApiKey, str]:
        key, token = new_key(name, role, collections, created_by)
        self._write("insert into api_keys values (?,?,?,?,?,?,?,?)",
                    (key.id, token_hash(token), key.name, key.role,
                     self._store_grant(key.collections), key.created_at, key.created_by, None))
        self._active = True
        return key, token

    def _row(self, row: tuple) -> ApiKey:
        return ApiKey(row[0], row[1], row[2], self._read_grant(row[3]), row[4], row[5],
                      row[6])

    def list(self) -> list[ApiKey]:
        return [self._row(r) for r in self._all(self._SELECT + " order by created_at, id")]

    def get(self, key_id: str) -> ApiKey | None:
        row = self._one(self._SELECT + " where id = ?", (key_id,))
        return self._row(row) if row else None

    def revoke(self, key_id: str) -> ApiKey:
        changed = self._write("update api_keys set revoked_at = ? where id = ? and "
                              "revoked_at is null", (_now(), key_id))
        key = self.get(key_id)
        if key is None:
            raise NotFound(f"no key {key_id!r}")
        if not changed and key.revoked_at is None:  # pragma: no cover - defensive
            raise InputError(f"key {key_id!r} could not be revoked")
        self._active = None
        return key

    def authenticate(self, token: str) -> Principal:
        token = (token or "").strip()
        if not _TOKEN.match(token):
            raise Unauthorized("not an Earnest API key (ek_...)")
        row = self._one(self._SELECT + " where secret_sha256 = ?", (token_hash(token),))
        if row is None:
            raise Unauthorized("unknown API key")
        key = self._row(row)
        if key.revoked_at:
            raise Unauthorized("this API key was revoked")
        return key.principal()

    def principal(self, key_id: str) -> Principal:
        """A session's key, checked again on every request (a revoked key ends its sessions)."""
        key = self.get(key_id)
        if key is None or key.revoked_at:
            raise Unauthorized("the key of this session was revoked; sign in again")
        return key.principal()

    def any_active(self) -> bool:
        # Only "yes" is cached: a key made by `earnest keys create` (another process) while
        # the server runs must switch auth on at once; a stale "yes" errs on the safe side.
        if not self._active:
            row = self._one("select exists(select 1 from api_keys where revoked_at is null)")
            self._active = bool(row and row[0])
        return self._active


class SqliteKeyStore(StoredKeys):
    """Keys in the library's SQLite file (table api_keys, migration 5 of the store)."""

    def __init__(self, path: str | Path) -> None:
        self.db = SqliteDb(path)

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self.db.conn().execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.db.conn().execute(sql, params).fetchall()

    def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self.db.write() as conn:
            return conn.execute(sql, params).rowcount

    def _store_grant(self, collections: list[str]) -> Any:
        return json.dumps(collections)

    def _read_grant(self, value: Any) -> list[str]:
        return json.loads(value)


__all__ = ["ALL", "LOCAL", "ROLES", "ApiKey", "KeyStore", "Principal", "SqliteKeyStore", "StoredKeys",
           "check_collection", "new_key", "new_token", "token_hash"]
