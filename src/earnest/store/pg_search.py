"""PostgresStore's searches: dense (HNSW, or an exact scan of a few documents, re-scored with
the same float32 product as SQLite) and keyword (FTS5's own terms and BM25, store/terms.py),
each filtered inside the query by document and by passage."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
from pgvector import HalfVector

from earnest.store.base import Filters, meta_matches, passage_condition
from earnest.store.terms import K1, B

if TYPE_CHECKING:
    from earnest.store.terms import Fts5Tokenizer

# HNSW yields this many times the asked-for neighbours; numpy re-scores them exactly.
CANDIDATE_FACTOR = 2
# A filtered search over at most this many passages scans them exactly (a few ms); a wider
# one takes the HNSW index.
EXACT_SCAN_MAX = 20000


class PostgresSearch:
    """Mixed into PostgresStore: needs its ``_read``, ``_read_rows``, ``generation``,
    ``list_documents``, ``_terms``, ``_bm25_cache`` and ``exact_scan_max``."""

    exact_scan_max: int
    _terms: Fts5Tokenizer
    _bm25_cache: tuple[int, int, float, dict[str, int]] | None

    def dense_search(self, vector: np.ndarray, filters: Filters,
                     limit: int) -> list[tuple[int, float]]:
        query = np.asarray(vector, dtype=np.float32)
        allowed = self._allowed_doc_ids(filters)
        if allowed is not None and not allowed:
            return []
        passes, passes_params = passage_condition(filters, lambda _: "%s")
        passes = f"and {passes}" if passes else ""
        want = max(limit * CANDIDATE_FACTOR, limit + 10)
        hv = HalfVector(query.astype(np.float16))
        # The scope is worked out before the transaction: it reads the document list.
        scope = None if allowed is None else self._scope(allowed)
        exact = allowed is not None and self._allowed_chunks(allowed) <= self.exact_scan_max

        def search(conn: Any) -> list[tuple]:
            if not exact:
                # HNSW: approximate neighbours, then the exact product below ranks them.
                # With a filter, pgvector's iterative scan goes on until enough rows pass it.
                conn.execute("select set_config('hnsw.ef_search', %s, true)",
                             (str(min(1000, max(40, want))),))
                where, params = passes, [*passes_params, hv, want]
                if scope is not None:
                    where = f"and collection = any(%s) and doc_id = any(%s) {passes}"
                    params = [*scope, *passes_params, hv, want]
                if where:
                    conn.execute("select set_config('hnsw.iterative_scan', 'relaxed_order', "
                                 "true)")
                return conn.execute(
                    f"select id, embedding from chunks c where embedding is not null {where} "
                    "order by embedding <#> %s limit %s", params, binary=True).fetchall()
            # A few documents: an exact scan of theirs (an HNSW scan filtered afterwards
            # could return fewer than asked). "+ 0" keeps the planner off the index.
            return conn.execute(
                "select id, embedding from chunks c where embedding is not null and "
                f"collection = any(%s) and doc_id = any(%s) {passes} "
                "order by (embedding <#> %s) + 0 limit %s", (*scope, *passes_params, hv, want),
                binary=True).fetchall()

        rows = self._read(search)
        if not rows:
            return []
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        mat = np.stack([r[1].to_numpy() for r in rows]).astype(np.float32)
        scores = mat @ query
        order = np.lexsort((ids, -scores))[:limit]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def _scope(self, allowed: set[int]) -> tuple[list[str], list[int]]:
        """The allowed documents' collections and ids: the collection lets a distributed
        (Citus) database ask only the shards that hold them."""
        collections = {d.collection for d in self.list_documents() if d.id in allowed}
        return sorted(collections), sorted(allowed)

    def _allowed_chunks(self, allowed: set[int]) -> int:
        return sum(d.chunk_count for d in self.list_documents() if d.id in allowed)

    def vectors(self, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
        if not len(chunk_ids):
            return {}
        rows = self._read_rows("select id, embedding from chunks where id = any(%s) "
                         "and embedding is not null", ([int(i) for i in chunk_ids],), binary=True)
        return {int(i): v.to_numpy().astype(np.float32) for i, v in rows}

    # -- keyword search ----------------------------------------------------------------------
    def _corpus(self, gen: int, terms: list[str]) -> tuple[int, float, dict[str, int]]:
        """FTS5's nRow, average row length and the terms' document frequencies, which its
        BM25 takes over the whole index; kept until the library changes. Read in one
        statement (one snapshot) with the generation they belong to: a document committed
        in between must not count in one and not the other."""
        cached = self._bm25_cache
        fresh = cached is not None and cached[0] == gen
        wanted = sorted(set(terms))
        missing = [t for t in wanted if t not in cached[3]] if fresh else wanted
        if missing:
            g, n, total, df = self._corpus_read(missing)
            if fresh and g == cached[0]:
                cached[3].update(df)
            else:  # the library changed: every term again, in one snapshot
                if missing != wanted:
                    g, n, total, df = self._corpus_read(wanted)
                cached = self._bm25_cache = (g, n, total / n if n else 0.0, df)
        return cached[1], cached[2], cached[3]

    def _corpus_read(self, terms: list[str]) -> tuple[int, int, float, dict[str, int]]:
        g, n, total, found = self._read_rows(
            "select (select value from meta where key = 'generation'), "
            "(select count(*) from chunks), (select coalesce(sum(n_tokens), 0) from chunks), "
            "(select coalesce(jsonb_object_agg(term, n), '{}') from (select term, count(*) "
            "as n from chunk_terms where term = any(%s) group by term) t)", (terms,))[0]
        return int(g or 0), int(n), float(total), {t: int(found.get(t, 0)) for t in terms}

    def keyword_search(self, query: str, filters: Filters,
                       limit: int) -> list[tuple[int, float]]:
        terms = self._terms.query_terms(query)
        if not terms:
            return []
        allowed = self._allowed_doc_ids(filters)
        if allowed is not None and not allowed:
            return []
        rows, avgdl, df = self._corpus(self.generation(), terms)
        # FTS5's bm25(): idf = ln((N - n + 0.5) / (n + 0.5)), 1e-6 where that is <= 0; each
        # phrase (a stem twice counts twice) adds idf * tf (k1 + 1) / (tf + k1 (1 - b + b dl /
        # avgdl)).
        weights = [(t, _idf(rows, df[t])) for t in terms if df.get(t)]
        if not weights:
            return []
        params = {"terms": [t for t, _ in weights], "idf": [w for _, w in weights],
                  "avgdl": avgdl, "k1": K1, "b": B, "limit": limit}
        conditions = []
        if allowed is not None:
            conditions.append("t.collection = any(%(collections)s) and t.doc_id = any(%(docs)s)")
            params["collections"], params["docs"] = self._scope(allowed)
        passes, passes_params = passage_condition(filters, lambda i: f"%(passage{i})s")
        join = ""
        if passes:
            # Ranked within the passages that pass, so k of them come back when k match;
            # joined on (collection, id) so a distributed database keeps it on one shard.
            join = "join chunks c on c.collection = t.collection and c.id = t.chunk_id"
            conditions.append(passes)
            params.update((f"passage{i}", v) for i, v in enumerate(passes_params))
        where = "where " + " and ".join(conditions) if conditions else ""
        sql = f"""
            with w(term, idf) as (select * from unnest(%(terms)s::text[], %(idf)s::float8[]))
            select t.chunk_id, sum(w.idf * t.tf * (%(k1)s + 1) / (t.tf + %(k1)s
                   * (1 - %(b)s + %(b)s * t.dl / %(avgdl)s))) as score
            from w join chunk_terms t on t.term = w.term {join} {where}
            group by t.chunk_id order by score desc, t.chunk_id limit %(limit)s"""
        return [(int(i), float(s)) for i, s in self._read_rows(sql, params)]

    def _allowed_doc_ids(self, filters: Filters) -> set[int] | None:
        if filters.is_empty():
            return None
        allowed = set()
        for doc in self.list_documents():
            if filters.collections and doc.collection not in filters.collections:
                continue
            if filters.doc_names and doc.doc_name not in filters.doc_names:
                continue
            metadata = doc.effective_metadata()
            if all(meta_matches(metadata.get(k), v) for k, v in filters.metadata.items()):
                allowed.add(doc.id)
        return allowed


def _idf(rows: int, n: int) -> float:
    ratio = (rows - n + 0.5) / (n + 0.5)
    return math.log(ratio) if ratio > 1 else 1e-6  # FTS5: 1e-6 where the log is <= 0
