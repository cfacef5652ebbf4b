"""The SQLite store's keyword index, kept in memory and renewed by library generation.

FTS5 computes ``bm25()`` for every row a query matches, decoding each row's position lists,
and a question's 20-40 words OR'd together match most of the library: about 100 ms of CPU for
a long question on 48,723 passages (docs/performance.md). This is the same index read once
(through ``fts5vocab``) into arrays: each term's rows and weighted frequencies, each row's
length. A query then scores every row with numpy in a few milliseconds, with FTS5's own
formula, statistics and order of operations, so the scores are the same doubles and the
ranking (ties by rowid, as SQLite's sorter leaves them) the same list; the tests compare the
two on real questions."""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from earnest.store.terms import CONTEXT_WEIGHT, K1, B, Fts5Tokenizer

TOKENIZE = "porter unicode61"  # what chunk_fts uses; another tokenizer is searched by FTS5
_TOKENIZE_IN_SQL = re.compile(r"tokenize\s*=\s*'([^']*)'", re.I)


@dataclass(frozen=True, slots=True)
class KeywordIndex:
    """One generation of ``chunk_fts`` as arrays: what FTS5's bm25 reads, per term and row."""

    generation: int
    rowids: np.ndarray  # int64, ascending: the rows of chunk_fts
    norm: np.ndarray  # float64 per row: k1 * (1 - b + b * length / average length)
    terms: dict[str, int]  # term -> its slice of the postings: offsets[t]:offsets[t + 1]
    offsets: np.ndarray  # int64
    rows: np.ndarray  # int32 per posting: the row (an index into rowids)
    freqs: np.ndarray  # float32 per posting: body count + 2 x context count
    row_count: int

    @classmethod
    def read(cls, conn: sqlite3.Connection) -> KeywordIndex | None:
        """The index at the snapshot ``conn`` reads (it opens and ends a read transaction);
        None when the table's tokenizer is not the one this reproduces."""
        sql = conn.execute("select sql from sqlite_master where name = 'chunk_fts'").fetchone()
        tokenize = _TOKENIZE_IN_SQL.search(sql[0] if sql else "")
        if tokenize is None or tokenize.group(1).strip() != TOKENIZE:
            return None
        conn.execute("create virtual table if not exists temp.earnest_fts_rows "
                     "using fts5vocab(main, chunk_fts, 'row')")
        conn.execute("create virtual table if not exists temp.earnest_fts_instances "
                     "using fts5vocab(main, chunk_fts, 'instance')")
        conn.execute("begin")  # one snapshot: generation, statistics and postings agree
        try:
            gen = conn.execute("select value from meta where key = 'generation'").fetchone()
            averages = conn.execute("select block from chunk_fts_data where id = 1").fetchone()
            sizes = conn.execute("select id, sz from chunk_fts_docsize order by id").fetchall()
            vocab = conn.execute("select term, doc, cnt from temp.earnest_fts_rows").fetchall()
            # int32 while rowid * 2 fits: the arrays of one read are ~4 bytes per token.
            wide = np.int64 if sizes and sizes[-1][0] >= 2 ** 30 else np.int32
            tokens = np.empty(sum(v[2] for v in vocab), dtype=wide)
            at = 0
            for flat in _token_parts(conn, vocab):
                part = np.fromstring(flat or "", sep=",", dtype=wide)
                if at + len(part) > len(tokens):
                    raise sqlite3.DatabaseError("the keyword index changed while it was read")
                tokens[at:at + len(part)] = part
                at += len(part)
        finally:
            conn.execute("commit")
        return cls._build(int(gen[0]) if gen else 0, averages[0] if averages else b"",
                          sizes, vocab, tokens)

    @classmethod
    def _build(cls, generation: int, averages: bytes, sizes: list[tuple[int, bytes]],
               vocab: list[tuple[str, int, int]], tokens: np.ndarray) -> KeywordIndex:
        # The averages record: the row count, then each column's token total (FTS5's
        # xRowCount and xColumnTotalSize, which bm25 reads).
        numbers = _varints(averages)
        row_count = numbers[0] if numbers else 0
        total_tokens = sum(numbers[1:])
        rowids = np.fromiter((r[0] for r in sizes), dtype=np.int64, count=len(sizes))
        lengths = np.fromiter((sum(_varints(r[1])) for r in sizes), dtype=np.float64,
                              count=len(sizes))
        avgdl = float(total_tokens) / float(row_count) if row_count else 1.0
        norm = K1 * (1 - B + B * lengths / avgdl)  # FTS5's expression, in its order
        counts = np.fromiter((v[2] for v in vocab), dtype=np.int64, count=len(vocab))
        postings = np.fromiter((v[1] for v in vocab), dtype=np.int64, count=len(vocab))
        if int(counts.sum()) != len(tokens):
            raise sqlite3.DatabaseError("the keyword index changed while it was read")
        weight = tokens & 1  # in place from here: a read's arrays are ~4 bytes a token
        weight *= CONTEXT_WEIGHT - 1
        weight += 1
        tokens >>= 1
        rowid_of_token = tokens
        # A posting starts at each term's first token and wherever the row changes.
        starts = np.ones(len(tokens), dtype=bool)
        if len(tokens):
            starts[1:] = rowid_of_token[1:] != rowid_of_token[:-1]
            starts[np.cumsum(counts)[:-1]] = True
        first = np.flatnonzero(starts)
        del starts
        if len(first) != int(postings.sum()):
            raise sqlite3.DatabaseError("the keyword index changed while it was read")
        rows = np.empty(len(first), dtype=np.int32)
        keys = rowids.astype(tokens.dtype)
        for at in range(0, len(first), 1 << 20):  # in steps: no temporary the size of all
            step = first[at:at + (1 << 20)]
            rows[at:at + len(step)] = np.searchsorted(keys, rowid_of_token[step])
        del tokens, rowid_of_token, keys
        freqs = (np.add.reduceat(weight, first, dtype=weight.dtype) if len(first)
                 else weight[:0]).astype(np.float32)
        del weight, first
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(postings, out=offsets[1:])
        return cls(generation, rowids, norm, {v[0]: i for i, v in enumerate(vocab)}, offsets,
                   rows, freqs, row_count)

    def scores(self, terms: list[str]) -> np.ndarray:
        """FTS5's ``-bm25(chunk_fts, 1.0, 2.0)`` of every row for the OR of ``terms`` (one
        term per phrase, in the query's order), 0 for rows that match none."""
        score = np.zeros(len(self.rowids), dtype=np.float64)
        k1_plus_1 = K1 + 1.0
        for term in terms:
            t = self.terms.get(term)
            if t is None:
                continue  # no row has it: FTS5 adds 0 for this phrase to every row
            low, high = int(self.offsets[t]), int(self.offsets[t + 1])
            hits = high - low
            idf = math.log((self.row_count - hits + 0.5) / (hits + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            rows = self.rows[low:high]
            freq = self.freqs[low:high].astype(np.float64)
            score[rows] += idf * ((freq * k1_plus_1) / (freq + self.norm[rows]))
        return score

    def top(self, score: np.ndarray, limit: int, rows: np.ndarray | slice | None = None
            ) -> list[tuple[int, float]]:
        """The ``limit`` best matching rows (of ``rows``: a range or an index array; all
        when None) as (rowid, score), best first, ties by rowid as FTS5 returns them."""
        candidates = np.arange(len(score)) if rows is None else (
            np.arange(len(score))[rows] if isinstance(rows, slice) else rows)
        candidates = candidates[score[candidates] > 0.0]
        values = score[candidates]
        if len(candidates) > limit:
            kth = np.partition(values, len(values) - limit)[len(values) - limit]
            keep = values >= kth
            candidates, values = candidates[keep], values[keep]
        order = np.lexsort((candidates, -values))[:limit]
        return [(int(self.rowids[i]), float(values[o])) for o, i in
                zip(order, candidates[order])]

    def row_range(self, low: int, high: int) -> slice:
        """The rows whose rowid is between ``low`` and ``high`` (inclusive)."""
        return slice(int(np.searchsorted(self.rowids, low)),
                     int(np.searchsorted(self.rowids, high, side="right")))

    def rows_of(self, rowids: list[int]) -> np.ndarray:
        """The rows of these rowids (rowids the index lacks left out), ascending."""
        wanted = np.unique(np.asarray(rowids, dtype=np.int64))
        at = np.minimum(np.searchsorted(self.rowids, wanted), max(len(self.rowids) - 1, 0))
        return at[self.rowids[at] == wanted] if len(self.rowids) else at[:0]


class QueryTerms:
    """Each query word as FTS5 indexes it (``porter unicode61``), memoised; None for a word
    that is not exactly one token (FTS5 would search a phrase)."""

    def __init__(self, size: int = 65536) -> None:
        self._tokenizer = Fts5Tokenizer()
        self._known: dict[str, str | None] = {}
        self._size = size
        self._lock = threading.Lock()

    def __call__(self, words: list[str]) -> list[str] | None:
        new = [w for w in words if w not in self._known]
        if new:
            found = self._tokenizer.chunk_terms([(w, "") for w in new])
            with self._lock:
                if len(self._known) > self._size:
                    self._known.clear()
                for word, item in zip(new, found):
                    self._known[word] = next(iter(item.freqs)) if item.length == 1 else None
        terms = [self._known.get(w) for w in words]
        return None if any(t is None for t in terms) else terms  # type: ignore[misc]


class KeywordCache:
    """The in-memory keyword index of one library (sqlite_keywords), and the last queries'
    scores. Renewed by generation only, and never on the question that finds it stale: a
    changed library is searched by FTS5 until a second keyword search finds the same layout,
    which starts a reading thread (so a one-question process never pays for the read, and an
    ingest's stream of new documents does not start one read per document)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.index: KeywordIndex | None = None
        self.words = QueryTerms()
        self._scores: dict[tuple[int, tuple[str, ...]], np.ndarray] = {}
        self._lock = threading.Lock()
        self._reading: threading.Thread | None = None
        self._stale_seen: int | None = None
        self._unsupported = False

    def scores(self, conn: sqlite3.Connection, words: list[str]
               ) -> tuple[KeywordIndex | None, np.ndarray | None]:
        """The warm index and every row's score for ``words``; (None, None) when FTS5 must
        answer (no warm index for this generation, or a word FTS5 reads as a phrase)."""
        index = self.current(conn)
        terms = self.words(words) if index is not None else None
        if index is None or terms is None:
            return None, None
        key = (index.generation, tuple(terms))
        with self._lock:
            found = self._scores.get(key)
        if found is None:
            found = index.scores(terms)
            with self._lock:
                if len(self._scores) >= 8:  # a question's two or three queries, and a few more
                    self._scores.pop(next(iter(self._scores)))
                self._scores[key] = found
        return index, found

    def current(self, conn: sqlite3.Connection) -> KeywordIndex | None:
        meta = dict(conn.execute("select key, value from meta where key in "
                                 "('generation', 'layout_generation')").fetchall())
        gen, layout = int(meta.get("generation", 0)), int(meta.get("layout_generation", 0))
        index = self.index
        # Vectors given to passages since it was read change no keyword (_bump).
        if index is not None and (index.generation == gen or layout <= index.generation):
            return index
        if not self._unsupported:
            with self._lock:
                seen, self._stale_seen = self._stale_seen, layout
            if seen == layout:
                self.build(wait=False)
        return None

    def build(self, wait: bool) -> None:
        """Read the index (in a thread of its own unless ``wait``); one read at a time."""
        with self._lock:
            reading = self._reading
            if reading is None or not reading.is_alive():
                reading = self._reading = threading.Thread(
                    target=self._read, daemon=True, name="earnest-keyword-index")
                reading.start()
        if wait:
            reading.join()

    def _read(self) -> None:
        conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        try:
            index = KeywordIndex.read(conn)
        except sqlite3.Error:
            return  # FTS5 keeps answering; the next stale search tries again
        finally:
            conn.close()
        if index is None:
            self._unsupported = True
        elif self.index is None or index.generation > self.index.generation:
            self.index = index


def _token_parts(conn: sqlite3.Connection, vocab: list[tuple[str, int, int]],
                 part: int = 2_000_000):
    """Every token of the index in (term, row, column) order, as strings of "row * 2 +
    is_context", about ``part`` tokens each: a Python row per token would cost seconds, one
    string for the whole index hundreds of megabytes."""
    firsts, count = [], part
    for term, _, instances in vocab:
        if count >= part:
            firsts.append(term)
            count = 0
        count += instances
    for i, first in enumerate(firsts):
        last = firsts[i + 1] if i + 1 < len(firsts) else None
        yield conn.execute("select group_concat(doc * 2 + (col = 'context')) from "
                           "temp.earnest_fts_instances where term >= ?"
                           + (" and term < ?" if last is not None else ""),
                           [first] + ([last] if last is not None else [])).fetchone()[0]


def _varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers, one after another (FTS5's records)."""
    out, i = [], 0
    while i < len(blob):
        value = 0
        for n in range(9):
            byte = blob[i]
            i += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        out.append(value)
    return out
