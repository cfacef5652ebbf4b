"""Trust: API keys and roles, collections, the hash-chained audit log, answer lineage.
Each part is a small Protocol with a SQLite implementation in the library's file, and a
PostgreSQL one in earnest.trust.postgres (not imported here: it needs the 'postgres' extra)."""

from earnest.trust.audit import AuditEntry, AuditLog, SqliteAuditLog, Verification
from earnest.trust.keys import ALL, LOCAL, ROLES, ApiKey, KeyStore, Principal, SqliteKeyStore
from earnest.trust.lineage import AnswerStore, SqliteAnswerStore

__all__ = ["ALL", "LOCAL", "ROLES", "AnswerStore", "ApiKey", "AuditEntry", "AuditLog",
           "KeyStore", "Principal", "SqliteAnswerStore", "SqliteAuditLog", "SqliteKeyStore",
           "Verification"]
