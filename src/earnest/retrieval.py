"""Hybrid retrieval: BM25 and dense candidates, fused (RRF), then reranked with cheap features.

Fusion and reranking are plain functions so both stores share them."""

from __future__ import annotations

import difflib
import re
import time
from typing import Any, Sequence

from earnest.doc_matching import DocumentMatcher, QuestionScope, question_scope
from earnest.embedding import Embedder
from earnest.errors import NotFound
from earnest.filing_sections import section_match
from earnest.lexicon import stem, tokens
from earnest.models import Passage, SearchResult
from earnest.settings import RetrieveSettings
from earnest.store.base import Filters, Store
from earnest.understanding import QueryPlan, coverage, understand


def rrf(rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int) -> dict[int, float]:
    """Reciprocal rank fusion of ranked id lists."""
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank + 1)
    return scores


class HybridRetriever:
    def __init__(self, store: Store, embedder: Embedder, settings: RetrieveSettings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._matchers: dict[tuple[str, ...], tuple[int, DocumentMatcher]] = {}

    def matcher(self, collections: Sequence[str] = ()) -> DocumentMatcher:
        """The documents of ``collections`` (all when empty): what a question's names are
        matched against, and what "did you mean" may suggest."""
        gen = self.store.generation()
        key = tuple(sorted(collections))
        cached = self._matchers.get(key)
        if cached is None or cached[0] != gen:
            if len(self._matchers) > 64:
                self._matchers.clear()
            docs = self.store.list_documents(Filters(collections=list(key)))
            cached = self._matchers[key] = (gen, DocumentMatcher(docs))
        return cached[1]

    def _stats(self, filters: Filters) -> dict[str, Any]:
        """Chunk counts of the collections searched (another's must not show in a note)."""
        if not filters.collections:
            return self.store.stats()
        docs = self.store.list_documents(filters)
        return {"chunks": sum(d.chunk_count for d in docs),
                "embedded": sum(d.embedded_count for d in docs)}

    def search(self, query: str, filters: Filters | None = None, k: int | None = None,
               mode: str = "hybrid", plan: QueryPlan | None = None) -> SearchResult:
        filters = filters or Filters()
        k = k or self.settings.k
        timings: dict[str, float] = {}
        notes: list[str] = []
        t0 = time.perf_counter()
        plan = plan or understand(query)
        keyword_query = " ".join(plan.keyword_terms)
        matcher = self.matcher(filters.collections)
        doc_scores = matcher.scores(query) if not filters.doc_names else {}
        focus = [d for d, s in sorted(doc_scores.items(), key=lambda x: -x[1]) if s >= 0.85][:8]
        timings["understand"] = _ms(t0)

        t1 = time.perf_counter()
        n = self.settings.candidates * (5 if filters.restricts_passages() else 1)
        rankings: list[list[int]] = []
        weights: list[float] = []
        dense_scores: dict[int, float] = {}
        statement_pages: list[int] = []
        stats = self._stats(filters)
        if mode == "dense" and not stats["embedded"]:
            notes.append("no passage is embedded yet: searched by keywords instead")
            mode = "keyword"
        if mode in ("hybrid", "keyword"):
            for flt in self._scopes(filters, focus, matcher):
                rankings.append([i for i, _ in self.store.keyword_search(keyword_query, flt, n)])
                weights.append(self.settings.keyword_weight)
            if plan.statements and focus:
                # The statement a question points at, by its title's words, in the named
                # filings: a table page shares few words with a question about one row.
                titles = " ".join(STATEMENT_TITLE_WORDS[st] for st in plan.statements)
                flt = self._scopes(filters, focus, matcher)[-1]
                statement_pages = [i for i, _ in self.store.keyword_search(titles, flt, n)]
                rankings.append(statement_pages)
                weights.append(self.settings.keyword_weight)
        used_dense = False
        vector = None
        if mode in ("hybrid", "dense") and stats["embedded"]:
            vector = self.embedder.embed_batch([query])[0]
            for flt in self._scopes(filters, focus, matcher):
                hits = self.store.dense_search(vector, flt, n)
                dense_scores.update(hits)
                rankings.append([i for i, _ in hits])
                weights.append(self.settings.dense_weight)
            used_dense = True
        if mode in ("hybrid", "dense") and stats["embedded"] < stats["chunks"]:
            notes.append(f"{stats['chunks'] - stats['embedded']} of {stats['chunks']} passages "
                         "are not embedded yet; they are found by keywords only")
        actual_mode = ("hybrid" if used_dense and mode == "hybrid" else
                       "dense" if used_dense else "keyword")
        fused = rrf(rankings, weights, self.settings.rrf_k)
        timings["retrieve"] = _ms(t1)

        t2 = time.perf_counter()
        pool = sorted(fused, key=lambda i: -fused[i])[: max(n, 3 * k)]
        # The statement's best pages are always scored: the reranker knows a table when it
        # sees one, fusion does not.
        pool += [i for i in statement_pages[:STATEMENT_PAGES] if i not in pool]
        vectors = self.store.vectors(pool) if vector is not None else {}
        for i, v in vectors.items():
            # Keyword-only candidates get their cosine too: the reranker must compare like
            # with like, not a table page's 0 with a narrative page's 0.6.
            dense_scores.setdefault(i, float(v @ vector))
        passages = self.store.get_passages(pool)
        if filters.restricts_passages():
            passages = [p for p in passages
                        if filters.matches_passage(p.role, p.section, p.speaker)]
        top_fused = max(fused.values(), default=1.0)
        spans = span_matches(question_scope(plan.question), passages)
        for p in passages:
            p.dense_score = dense_scores.get(p.chunk_id)
            p.score = self._rerank_score(p, plan, fused[p.chunk_id] / top_fused, doc_scores,
                                         spans.get(p.chunk_id, 0.0))
        passages.sort(key=lambda p: -p.score)
        passages = demote_repeats(passages, vectors, self.settings.rerank_repeat,
                                  depth=max(40, k))
        passages = self._cover_each_period(passages, query, k, matcher)
        timings["rerank"] = _ms(t2)
        return SearchResult(query=query, mode=actual_mode, passages=passages[:k],
                            filters=filters.to_dict(), timings_ms=timings, notes=notes,
                            understanding={**plan.to_dict(),
                                           **matcher.describe(query),
                                           "documents": [self._name(d, matcher)
                                                         for d in focus]})

    def _cover_each_period(self, passages: list[Passage], query: str,
                           k: int, matcher: DocumentMatcher) -> list[Passage]:
        """A comparison ("FY2021 vs FY2022", "from Q2 to Q3") needs evidence for each period:
        the best passage of each period's documents is moved into the top k."""
        scope = matcher.describe(query)
        periods = scope["years"] if len(scope["years"]) > 1 else []
        if not periods or len(passages) <= k:
            return passages
        periods_of = matcher.periods
        firsts: list[Passage] = []
        for year in periods:
            best = next((p for p in passages if periods_of.get(p.doc_id, (None,))[0] == year),
                        None)
            if best is not None and best not in firsts:
                firsts.append(best)
        top = passages[:k]
        missing = [p for p in firsts if p not in top]
        if not missing:
            return passages
        keep = [p for p in top if p not in missing][: k - len(missing)]
        chosen = sorted(keep + missing, key=lambda p: -p.score)
        return chosen + [p for p in passages if p not in chosen]

    @staticmethod
    def _name(doc_id: int, matcher: DocumentMatcher) -> str:
        return next((d.doc_name for d in matcher.docs if d.id == doc_id), "")

    @staticmethod
    def _scopes(filters: Filters, focus: list[int], matcher: DocumentMatcher) -> list[Filters]:
        """The whole (filtered) library, plus the documents the question names, so their
        pages are candidates even when other documents use the same words more often."""
        scopes = [filters]
        if focus:
            names = [d.doc_name for d in matcher.docs if d.id in focus]
            scopes.append(Filters(doc_names=names, metadata=filters.metadata,
                                  roles=filters.roles, sections=filters.sections,
                                  speakers=filters.speakers, collections=filters.collections))
        return scopes

    def _rerank_score(self, p: Passage, plan: QueryPlan, fused: float,
                      doc_scores: dict[int, float], span: float) -> float:
        s = self.settings
        f = rerank_features(p, plan, fused, doc_scores.get(p.doc_id, 0.0), span)
        return sum(getattr(s, f"rerank_{name}") * value for name, value in f.items())


def rerank_features(p: Passage, plan: QueryPlan, fused: float, document: float,
                    span: float) -> dict[str, float]:
    """What the reranker weighs, each 0..1; the score is their sum times the
    ``retrieve.rerank_*`` weights."""
    statement = statement_match(plan, p)
    covered = coverage(plan, f"{p.context}\n{p.text}")
    return {"dense": max(p.dense_score or 0.0, 0.0),
            "coverage": covered,
            "fusion": fused, "document": document, "statement": statement,
            "figures": plan.figure_match(p.text, p.context),
            "speaker": plan.speaker_match(p.role, p.speaker), "span": span,
            "note": note_match(plan, p.context),
            # The item or note holding the question's subject, for a passage that speaks
            # to the question (not every page of Item 1 for a question with "business").
            "section": section_match(plan.terms, p.section) * covered}


def statement_match(plan: QueryPlan, p: Passage) -> float:
    """0.5-1 for a page of the statement the question points at, the more so the more of it
    is table rows; else 0."""
    if not plan.statements:
        return 0.0
    share = table_share(p.text)
    # A title the page's layout did not mark as a heading still opens a table's text; in
    # narrative ("read with the consolidated statements of operations") it is no title.
    opening = _OFF_BALANCE.sub("", p.text[:160]) if share >= 0.3 else ""
    if plan.statement_match(f"{p.context[:400]}\n{opening}"):
        return 0.5 + 0.5 * share
    return 0.0


_OFF_BALANCE = re.compile(r"off-balance[- ]sheet", re.I)


def note_match(plan: QueryPlan, context: str) -> float:
    """1 when the page is a note to the financial statements whose title names what the
    question asks about ("Note 7. Debt" for "Has Verizon increased its debt?"): the note
    is where a filing explains that subject."""
    title, _, headings = context.partition(" | ")
    if not _NOTE.search(headings):
        return 0.0
    heading_words = {stem(t) for t in tokens(headings)}
    title_words = {stem(t) for t in tokens(title)}
    return float(any(stem(t) in heading_words for t in plan.terms
                     if not _PERIOD_TERM.match(t) and stem(t) not in title_words))


_NOTE = re.compile(r"\bnote\s+\d+\b", re.I)
_PERIOD_TERM = re.compile(r"^(?:\d+|fy\d*|q[1-4])$")


def demote_repeats(passages: list[Passage], vectors: dict[int, Any], weight: float,
                   similar: float = 0.9, depth: int = 40) -> list[Passage]:
    """Another page saying what a better-ranked one already says (the same table in each
    quarter's release, a risk factor repeated each year) tells the reader nothing new: it
    loses ``weight`` times how close it comes to a copy."""
    if not weight or not vectors:
        return passages
    head, tail = passages[:depth], passages[depth:]
    kept: list[tuple[Passage, Any]] = []
    for p in head:
        v = vectors.get(p.chunk_id)
        if v is not None:
            near = max((float(v @ w) for q, w in kept
                        if (q.doc_id, q.page_start) != (p.doc_id, p.page_start)), default=0.0)
            if near > similar:
                p.score -= weight * (near - similar) / (1 - similar)
            kept.append((p, v))
    head.sort(key=lambda p: -p.score)
    return head + tail


def span_matches(scope: QuestionScope, passages: list[Passage]) -> dict[int, float]:
    """Chunk id -> 1 for a table headed by the span of time asked about, in a document that
    also has tables of the other span: "FY2023" wants a release's "twelve months ended"
    columns, not its "three months ended" ones; "Q3" the reverse. A 10-K, whose tables all
    say "years ended", gains nothing: that would only lift its tables over its narrative."""
    if not scope.years and scope.quarter is None:
        return {}
    wanted, other = (_ANNUAL, _QUARTERLY) if scope.quarter is None else (_QUARTERLY, _ANNUAL)
    mixed = {p.doc_id for p in passages if other.search(p.context)}
    return {p.chunk_id: 1.0 for p in passages
            if p.doc_id in mixed and wanted.search(p.context) and not other.search(p.context)}


_ANNUAL = re.compile(r"\b(?:twelve|12|fifty-two|52|fifty-three|53) (?:months|weeks) ended\b|"
                     r"\b(?:fiscal )?years? ended\b", re.I)
_QUARTERLY = re.compile(r"\b(?:three|3|thirteen|13|fourteen|14) (?:months|weeks) ended\b|"
                        r"\bquarter ended\b", re.I)


STATEMENT_PAGES = 8  # statement candidates always reranked
STATEMENT_TITLE_WORDS = {
    "cash_flow": "consolidated statements of cash flows operating investing financing activities",
    "income": "consolidated statements of income operations earnings net sales revenues",
    "balance": "consolidated balance sheets total assets liabilities shareholders equity",
}


def check_filters(filters: Filters, docs: Sequence) -> None:
    """A filter that names no document in the library is the caller's mistake, not an empty
    answer: say so, with the closest names the library holds."""
    if not docs:
        return
    names = [d.doc_name for d in docs]
    for name in filters.doc_names:
        if name not in names:
            raise NotFound(f"no document named {name!r} in the library" + _did_you_mean(
                name, names))
    for key, wanted in filters.metadata.items():
        values = {str(v) for d in docs
                  for v in _as_list(d.effective_metadata().get(key)) if v is not None}
        if not values:
            keys = sorted({k for d in docs for k, v in d.effective_metadata().items()
                           if isinstance(v, (str, int)) and k != "metadata_source"})
            # Not found, like a value no document has: the request itself is valid.
            raise NotFound(f"no document has a {key!r} field to filter on; fields: "
                             f"{', '.join(keys)}")
        lowered = {v.lower() for v in values}
        for value in wanted:
            if str(value).lower() not in lowered:
                raise NotFound(f"no document has {key} = {value!r}" + _did_you_mean(
                    str(value), sorted(values)))


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _did_you_mean(name: str, known: list[str]) -> str:
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.5)
    return f"; did you mean {', '.join(repr(by_lower[c]) for c in close)}?" if close else ""


def table_share(text: str) -> float:
    """Share of a passage's lines that are table rows (a label and figures)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return 0.0
    return sum(1 for line in lines if _ROW.search(line)) / len(lines)


_ROW = re.compile(r"(?:\(?[$]?\s?\d[\d,.]*\)?%?\s+){1,}\(?[$]?\s?\d[\d,.]*\)?%?\s*$")


def relevance(p: Passage, plan: QueryPlan) -> float:
    """How well a passage answers the question, 0..1; the "not found" threshold applies to
    the best passage's. The table of the statement the question points at counts as such
    even when it shares few words with the question ("quick ratio" and a balance sheet)."""
    cov = coverage(plan, f"{p.context}\n{p.text}")
    if p.dense_score is None:
        # Not embedded yet (or a keyword-only search): words alone, on their own scale
        # (calibrated in docs/calibration.md, as the hybrid one is).
        base = KEYWORD_RELEVANCE * cov
    else:
        base = 0.6 * max(p.dense_score, 0.0) + 0.4 * cov
    return min(1.0, base + 0.15 * statement_match(plan, p))


KEYWORD_RELEVANCE = 0.84


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


__all__ = ["HybridRetriever", "check_filters", "relevance", "rrf"]
