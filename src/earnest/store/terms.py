"""The SQLite store's keyword terms and BM25, for stores that are not SQLite.

Text is tokenised by SQLite's own FTS5 ``porter unicode61`` tokenizer (an in-memory table read
through ``fts5vocab``), so PostgreSQL indexes and queries exactly the terms that the SQLite
index holds; the score is FTS5's ``bm25()`` formula with the same column weights."""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass

# As SqliteStore: the query's words, lowercased, each quoted as one FTS5 phrase.
QUERY_TERM = re.compile(r"[^\W_]+", re.UNICODE)
# bm25(chunk_fts, 1.0, 2.0) in SqliteStore: the context column counts twice.
BODY_WEIGHT, CONTEXT_WEIGHT = 1, 2
K1, B = 1.2, 0.75  # FTS5's constants


@dataclass(slots=True)
class ChunkTerms:
    freqs: dict[str, int]  # term -> weighted frequency (body + 2 x context)
    length: int  # tokens in body and context, unweighted (FTS5's document length)


class Fts5Tokenizer:
    """One in-memory SQLite per thread; nothing is kept between calls."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(":memory:", isolation_level=None)
            conn.execute("create virtual table t using fts5(body, context, "
                         "tokenize = 'porter unicode61')")
            conn.execute("create virtual table v using fts5vocab(t, 'instance')")
            self._local.conn = conn
        return conn

    def chunk_terms(self, rows: list[tuple[str, str]]) -> list[ChunkTerms]:
        """Weighted term frequencies and length of each (body, context)."""
        conn = self._conn()
        conn.execute("delete from t")
        conn.executemany("insert into t (rowid, body, context) values (?, ?, ?)",
                         [(i + 1, body, context) for i, (body, context) in enumerate(rows)])
        out = [ChunkTerms({}, 0) for _ in rows]
        for term, doc, col, n in conn.execute(
                "select term, doc, col, count(*) from v group by term, doc, col"):
            item = out[doc - 1]
            item.freqs[term] = item.freqs.get(term, 0) + n * (
                CONTEXT_WEIGHT if col == "context" else BODY_WEIGHT)
            item.length += n
        conn.execute("delete from t")
        return out

    def query_terms(self, query: str) -> list[str]:
        """The FTS5 phrases SqliteStore would search for ``query``, tokenised: one term per
        distinct query word, so two words with one stem count twice, as in FTS5."""
        words = list(dict.fromkeys(QUERY_TERM.findall(query.lower())))
        if not words:
            return []
        terms = self.chunk_terms([(w, "") for w in words])
        out: list[str] = []
        for item in terms:
            # A word that the tokenizer splits in two would be a phrase in FTS5; here its
            # parts count as words (never seen with the query regex above).
            out.extend(item.freqs)
        return out
