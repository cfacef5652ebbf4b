"""Hybrid retrieval in explicit stages: candidate generators (BM25 and dense, over the library
and over the documents a question names) -> fusion (RRF) -> feature rerank (one registry of
named, weighted features) -> diversity (near copies demoted, passages with nothing to quote
last, each period compared covered). Plain functions, so both stores share them."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Callable, Sequence

from earnest.doc_matching import DocumentMatcher
from earnest.embedding import Embedder
from earnest.errors import ConfigError
from earnest.lexicon import SYNONYMS, WORD, WORD_ANY_CASE, stem, stemmed_words, tokens
from earnest.models import Passage, SearchResult
from earnest.question_plan import (
    PERIOD_WORD,
    QuestionPlan,
    person_names,
    plan_question,
    speaker_person,
)
from earnest.relevance import statement_match
from earnest.section_routing import item_match, release_part_match
from earnest.settings import RetrieveSettings
from earnest.statement_cues import outlook_statement, states_something
from earnest.store.base import Filters, Store
from earnest.understanding import coverage


def rrf(rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int) -> dict[int, float]:
    """Reciprocal rank fusion of ranked id lists."""
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank + 1)
    return scores


@dataclass(slots=True)
class Candidates:
    """What the candidate generators found: each generator's ranking and fusion weight."""

    rankings: list[tuple[str, list[int], float]] = field(default_factory=list)
    dense_scores: dict[int, float] = field(default_factory=dict)
    statement_pages: list[int] = field(default_factory=list)
    speaker_turns: list[int] = field(default_factory=list)  # each named person's best
    vector: Any = None
    mode: str = "keyword"


@dataclass(slots=True)
class RerankInput:
    """What rerank features read besides the passage itself."""

    plan: QuestionPlan
    fused: dict[int, float]  # chunk id -> fused score, 1 for the best
    documents: dict[int, float]  # document id -> how well it matches the question's names
    spans: dict[int, float]  # chunk id -> 1 for a table of the span of time asked about
    asked: int | None = None  # the person asked about (``QuestionPlan.asked_person``)
    subject: QuestionPlan = field(init=False)  # the plan's words of what is asked

    def __post_init__(self) -> None:
        self.subject = self.plan.subject()


Feature = Callable[[Passage, RerankInput], float]

# The stages and candidate generators that ``retrieve.disabled`` may turn off by name.
STAGES = ("keyword", "keyword_focus", "statement_pages", "dense", "dense_focus",
          "dense_speaker", "speaker_company", "rerank", "neighbours", "repeats", "claims",
          "periods")


class HybridRetriever:
    """Retrieval in four stages: candidate generators (keyword and dense search over the
    library and over the documents the question names, a named statement's pages) ->
    fusion (RRF) -> feature rerank (``RERANK_FEATURES``) -> diversity (near copies
    demoted, each period compared covered)."""

    def __init__(self, store: Store, embedder: Embedder, settings: RetrieveSettings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        unknown = set(settings.disabled) - set(STAGES) - set(RERANK_FEATURES)
        if unknown:
            raise ConfigError(f"retrieve.disabled names no stage or rerank feature: "
                              f"{', '.join(sorted(unknown))}; known: "
                              f"{', '.join(STAGES + tuple(RERANK_FEATURES))}")
        self.off = set(settings.disabled)
        self._matchers: dict[tuple[str, ...], tuple[int, DocumentMatcher]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

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
               mode: str = "hybrid", plan: QuestionPlan | None = None) -> SearchResult:
        filters = filters or Filters()
        k = k or self.settings.k
        timings: dict[str, float] = {}
        notes: list[str] = []
        t0 = time.perf_counter()
        plan = plan or plan_question(query)
        matcher = self.matcher(filters.collections)
        doc_scores = matcher.scores(plan, self._spoken_in(plan, filters, matcher)) \
            if not filters.doc_names else {}
        focus = [d for d, s in sorted(doc_scores.items(), key=lambda x: -x[1]) if s >= 0.85][:8]
        timings["understand"] = _ms(t0)

        t1 = time.perf_counter()
        n = self.settings.candidates
        found = self._candidates(query, plan, filters, focus, matcher, mode, n, notes)
        fused = rrf([r for _, r, _ in found.rankings], [w for _, _, w in found.rankings],
                    self.settings.rrf_k)
        timings["retrieve"] = _ms(t1)

        t2 = time.perf_counter()
        pool = sorted(fused, key=lambda i: -fused[i])[: max(n, 3 * k)]
        # The statement's best pages are always scored: the reranker knows a table when it
        # sees one, fusion does not.
        pool += [i for i in found.statement_pages[:STATEMENT_PAGES] if i not in pool]
        # So are the best turns of each person the question names: first in their own
        # ranking only, fusion ranks them below passages that every generator found.
        pool += [i for i in dict.fromkeys(found.speaker_turns) if i not in pool]
        vectors = self.store.vectors(pool) if found.vector is not None else {}
        for i, v in vectors.items():
            # Keyword-only candidates get their cosine too: the reranker must compare like
            # with like, not a table page's 0 with a narrative page's 0.6.
            found.dense_scores.setdefault(i, float(v @ found.vector))
        passages = self.store.get_passages(pool)
        for p in passages:
            p.dense_score = found.dense_scores.get(p.chunk_id)
        passages = self._rerank(passages, plan, fused, doc_scores)
        passages = self._diversify(passages, plan, vectors, k, matcher)
        timings["rerank"] = _ms(t2)
        return SearchResult(query=query, mode=found.mode, passages=passages[:k],
                            filters=filters.to_dict(), timings_ms=timings, notes=notes,
                            understanding={**plan.to_dict(), **matcher.describe(plan),
                                           "documents": [self._name(d, matcher)
                                                         for d in focus]})

    def _spoken_in(self, plan: QuestionPlan, filters: Filters, matcher: DocumentMatcher
                   ) -> set[int]:
        """The documents in which a person the question names speaks, when it names no
        company: an executive's or analyst's name tells whose calls are asked about."""
        if "speaker_company" in self.off or matcher.companies.named(plan.question):
            return set()
        people = person_names(plan.question)
        return self.spoken_in(people, plan, filters) if people else set()

    def spoken_in(self, people: list[str], plan: QuestionPlan, filters: Filters,
                  limit: int = 20) -> set[int]:
        """Documents (of ``filters``) in which any of ``people`` speaks, in a turn holding
        one of the question's words: a speaker's name is no passage text."""
        if not plan.keyword_terms:
            return set()
        hits = self.store.keyword_search(" ".join(plan.keyword_terms),
                                         replace(filters, speakers=people), limit)
        return {p.doc_id for p in self.store.get_passages([i for i, _ in hits])}

    def _candidates(self, query: str, plan: QuestionPlan, filters: Filters, focus: list[int],
                    matcher: DocumentMatcher, mode: str, n: int, notes: list[str]
                    ) -> Candidates:
        """Stage 1: each generator's ranking of up to ``n`` chunks. Keyword and dense
        search run over the whole (filtered) library and again over the documents the
        question names, so their pages are candidates even when other documents use the
        same words more often."""
        found = Candidates()
        stats = self._stats(filters)
        if mode == "dense" and not stats["embedded"]:
            notes.append("no passage is embedded yet: searched by keywords instead")
            mode = "keyword"
        scopes = self._scopes(filters, focus, matcher)
        named = [("", scopes[0])] + [("_focus", flt) for flt in scopes[1:]]
        keyword_jobs: list[tuple[str, str, Filters]] = []
        if mode in ("hybrid", "keyword"):
            keyword_query = " ".join(plan.keyword_terms)
            keyword_jobs = [("keyword" + suffix, keyword_query, flt) for suffix, flt in named
                            if "keyword" + suffix not in self.off]
            if plan.statements and focus and "statement_pages" not in self.off:
                # The statement a question points at, by its title's words, in the named
                # filings: a table page shares few words with a question about one row.
                titles = " ".join(STATEMENT_TITLE_WORDS[st] for st in plan.statements)
                keyword_jobs.append(("statement_pages", titles, scopes[-1]))
        use_dense = mode in ("hybrid", "dense") and bool(stats["embedded"])
        # BM25 (in the database, without the GIL) runs beside the query's embedding and the
        # dense scan: the two halves of the retrieve stage overlap (docs/performance.md).
        keyword = (self._workers().submit(self._keyword_rankings, keyword_jobs, n)
                   if keyword_jobs and use_dense else None)
        dense_rankings: list[tuple[str, list[int], float]] = []
        if use_dense:
            found.vector = self.embedder.embed_batch([query])[0]
            for suffix, flt in named:
                if "dense" + suffix in self.off:
                    continue
                hits = self.store.dense_search(found.vector, flt, n)
                found.dense_scores.update(hits)
                dense_rankings.append(("dense" + suffix, [i for i, _ in hits],
                                       self.settings.dense_weight))
        calls = [d for d in matcher.docs if d.id in focus
                 and d.effective_metadata().doc_type == "earnings_call"]  # filings: no speakers
        people = person_names(plan.question) if calls and use_dense and \
            not filters.speakers and "dense_speaker" not in self.off else []
        if people:
            # Only names of people who speak in them ("Goldman Sachs" names no speaker).
            speakers = {speaker_person(s).lower() for d in calls
                        for s in d.effective_metadata().speakers or ()}
            people = [p for p in people if any(p.lower() in s for s in speakers)] \
                if speakers else people[:3]  # (a document read before speakers were listed)
        for person in people:
            # "What did Neil Mehta ask?": his turns, in the documents asked about. Their
            # words rarely repeat the question's, and the speaker's name is no passage text.
            # Each person's own: the CEO's many turns must not crowd out an analyst's few.
            hits = self.store.dense_search(found.vector, replace(scopes[-1], speakers=[person]),
                                           n)
            found.dense_scores.update(hits)
            found.speaker_turns += [i for i, _ in hits[:SPEAKER_TURNS]]
            dense_rankings.append(("dense_speaker", [i for i, _ in hits],
                                   self.settings.dense_weight))
        for name, ranking in (keyword.result() if keyword is not None
                              else self._keyword_rankings(keyword_jobs, n)):
            if name == "statement_pages":
                found.statement_pages = ranking
            found.rankings.append((name, ranking, self.settings.keyword_weight))
        found.rankings += dense_rankings
        if mode in ("hybrid", "dense") and stats["embedded"] < stats["chunks"]:
            notes.append(f"{stats['chunks'] - stats['embedded']} of {stats['chunks']} passages "
                         "are not embedded yet; they are found by keywords only")
        found.mode = ("hybrid" if use_dense and mode == "hybrid" else
                      "dense" if use_dense else "keyword")
        return found

    def _keyword_rankings(self, jobs: list[tuple[str, str, Filters]], n: int
                          ) -> list[tuple[str, list[int]]]:
        return [(name, [i for i, _ in self.store.keyword_search(text, flt, n)])
                for name, text, flt in jobs]

    def _workers(self) -> ThreadPoolExecutor:
        with self._pool_lock:  # concurrent first questions make one pool, not two
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keyword")
            return self._pool

    def close(self) -> None:
        """Ends the keyword threads and their database connections."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _rerank(self, passages: list[Passage], plan: QuestionPlan, fused: dict[int, float],
                doc_scores: dict[int, float]) -> list[Passage]:
        """Stage 3: each passage scored by the weighted sum of the rerank features (or by
        its fused score alone when the stage is off), best first."""
        given = rerank_input(passages, plan, fused, doc_scores)
        if "rerank" in self.off:
            for p in passages:
                p.score = given.fused[p.chunk_id]
        else:
            for p in passages:
                p.score = sum(self.weight(name) * value
                              for name, value in rerank_features(p, given, self.off).items())
            if "neighbours" not in self.off:
                support_of_neighbours(passages, self.settings.rerank_neighbours)
        passages.sort(key=lambda p: -p.score)
        return passages

    def weight(self, feature: str) -> float:
        """A rerank feature's weight: ``retrieve.rerank_<feature>``."""
        return getattr(self.settings, f"rerank_{feature}")

    def _diversify(self, passages: list[Passage], plan: QuestionPlan, vectors: dict[int, Any],
                   k: int, matcher: DocumentMatcher) -> list[Passage]:
        """Stage 4: near copies of better passages demoted, then passages with nothing to
        quote; each period compared covered."""
        if "repeats" not in self.off:
            passages = demote_repeats(passages, vectors, self.settings.rerank_repeat,
                                      depth=max(40, k))
        if "claims" not in self.off:
            # A page's running header or a title alone answers nothing ("Q4 2023 ASML
            # Holding NV Earnings Call", the tail of a turn cut by a page break).
            stating = {p.chunk_id for p in passages if states_something(p.text)}
            passages = [p for p in passages if p.chunk_id in stating] + \
                [p for p in passages if p.chunk_id not in stating]
        if "periods" not in self.off:
            passages = cover_each_period(passages, plan, k, matcher)
        return passages

    @staticmethod
    def _name(doc_id: int, matcher: DocumentMatcher) -> str:
        return next((d.doc_name for d in matcher.docs if d.id == doc_id), "")

    @staticmethod
    def _scopes(filters: Filters, focus: list[int], matcher: DocumentMatcher) -> list[Filters]:
        """The whole (filtered) library, plus the documents the question names."""
        scopes = [filters]
        if focus:
            names = [d.doc_name for d in matcher.docs if d.id in focus]
            scopes.append(Filters(doc_names=names, metadata=filters.metadata,
                                  roles=filters.roles, sections=filters.sections,
                                  speakers=filters.speakers, collections=filters.collections))
        return scopes


def cover_each_period(passages: list[Passage], plan: QuestionPlan, k: int,
                      matcher: DocumentMatcher) -> list[Passage]:
    """A comparison ("FY2021 vs FY2022", "from Q2 to Q3") needs evidence for each period:
    the best passage of each period's documents is moved into the top k."""
    periods = plan.years if len(plan.years) > 1 else ()
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


# Every rerank feature, each 0..1, by name. A passage's score is the sum of each feature
# times its weight ``retrieve.rerank_<name>``; ``retrieve.disabled`` turns one off by name.
RERANK_FEATURES: dict[str, Feature] = {
    # cosine of the passage and the question (0 in a keyword-only library)
    "dense": lambda p, given: max(p.dense_score or 0.0, 0.0),
    # share of the question's words the passage has
    "coverage": lambda p, given: coverage(given.plan, f"{p.context}\n{p.text}"),
    # the share of the words of what is asked (not the names and periods, which the
    # document answers) in the passage's best sentence or table row: the question's words
    # together, not scattered over a long turn or page
    "sentence": lambda p, given: sentence_coverage(given.subject, p.text, p.context),
    # the fused rank score
    "fusion": lambda p, given: given.fused[p.chunk_id],
    # the passage's document is the company, period and type asked about
    "document": lambda p, given: given.documents.get(p.doc_id, 0.0),
    # a table of the financial statement the question points at
    "statement": lambda p, given: statement_match(given.plan, p),
    # the kind of figure asked for (a percentage, an amount, EPS)
    "figures": lambda p, given: given.plan.figure_match(p.text, p.context),
    # the speaker the question names ("the CFO", "analysts")
    "speaker": lambda p, given: given.plan.speaker_match(p.role, p.speaker, given.asked),
    # a table of the span of time asked about
    "span": lambda p, given: given.spans.get(p.chunk_id, 0.0),
    # a note to the financial statements titled by the question's subject
    "note": lambda p, given: note_match(given.plan, p.title, " ".join(p.headings)),
    # for a question about guidance or what is expected: a sentence that states an
    # expectation with a figure ("we expect revenue growth of 1% to 5%")
    "outlook": lambda p, given: outlook_statement(p.text)
    if given.plan.outlook and not given.plan.asks_cause else 0.0,
    # the form item or note holding the question's subject (filing_sections), for a passage
    # that speaks to the question (not every page of Item 1 for a question with "business")
    "section": lambda p, given: (s := item_match(given.plan.terms, p.section))
    and s * coverage(given.plan, f"{p.context}\n{p.text}"),
    # the same for an earnings release's part (release_sections): "guidance" -> Outlook,
    # "adjusted", "non-GAAP" -> the reconciliation
    "release_part": lambda p, given: (s := release_part_match(given.plan.terms, p.section))
    and s * coverage(given.plan, f"{p.context}\n{p.text}"),
}


def sentence_coverage(plan: QuestionPlan, text: str, context: str = "") -> float:
    """The highest ``coverage`` of one sentence or line (a table row) of ``text`` read with
    the page's ``context`` (its title and headings), split roughly, as a score needs no
    exact sentence. No sentence covers more than the whole passage, and a passage holding
    one word asked (or a synonym or phrase of it) holds it in one sentence, so only a passage
    holding several is split; a sentence is scored once for each set of those words it holds,
    which is all its coverage reads (but amounts and quarters, read from its text)."""
    whole_text = f"{context}\n{text}"
    whole = coverage(plan, whole_text)  # the stems the "coverage" feature cached
    if not whole:
        return 0.0
    wanted, beginnings = _asked_words(plan.terms, plan.phrases)
    exact = not plan.values and not any(PERIOD_WORD.match(t) for t in plan.terms)
    if exact and len(stemmed_words(whole_text) & wanted) <= 1:
        return whole
    around = stemmed_words(context)
    # the words asked, by the sentence they are in
    ends = [m.end() for m in _PIECES.finditer(text)]
    held: dict[int, set[str]] = {}
    piece = 0
    for start, s in _asked_in(text, wanted, beginnings):
        while piece < len(ends) and ends[piece] <= start:
            piece += 1
        held.setdefault(piece, set()).add(s)
    starts = [0, *ends]
    scored: set[frozenset[str]] = set()
    best = coverage(plan, context, around)  # a sentence holding no word asked
    for index in (held if exact else range(len(starts))):
        words = frozenset(held.get(index, ())) | around
        if exact and words in scored:
            continue
        scored.add(words)
        sentence = text[starts[index]: ends[index] if index < len(ends) else len(text)]
        best = max(best, coverage(plan, f"{context}\n{sentence}", words))
        if best >= whole:
            break
    return best


def _asked_in(text: str, wanted: frozenset[str], beginnings: tuple[str, ...]
              ) -> list[tuple[int, str]]:
    """Where ``text`` has a word whose stem is ``wanted``, in order: each word's first
    letters are searched for (a scan per beginning, fast), then the whole word read there."""
    low = text.lower().replace("’", "'")
    if len(low) != len(text):  # "İ" lower-cases to two characters: read word by word
        return [(m.start(), s) for m in WORD_ANY_CASE.finditer(text.replace("’", "'"))
                if (s := _stem_of(m.group().lower())) in wanted]
    found: dict[int, str] = {}
    for beginning in beginnings:
        at = low.find(beginning)
        while at >= 0:
            if at not in found and (at == 0 or not _joins(low, at)):
                m = WORD.match(low, at)
                if m is not None and (s := _stem_of(m.group())) in wanted:
                    found[at] = s
            at = low.find(beginning, at + 1)
    return sorted(found.items())


def _joins(low: str, at: int) -> bool:
    """Whether the character before ``at`` makes it no word's first letter."""
    before = low[at - 1]
    return before.isalnum() and before.isascii() or \
        (before in ".'" and at >= 2 and low[at - 2].isalnum() and low[at - 2].isascii())


def _stem_of(word: str) -> str:
    return stem(word[:-2] if word.endswith("'s") else word)


@lru_cache(maxsize=64)
def _asked_words(terms: tuple[str, ...], phrases: tuple[Any, ...]
                 ) -> tuple[frozenset[str], tuple[str, ...]]:
    """The stems a sentence may hold of what is asked (its words, their synonyms, the
    filings' wordings of its phrases), and how the words that may have them begin
    (``_beginning``)."""
    wanted = {stem(t) for t in terms}
    wanted.update(*(SYNONYMS.get(w, ()) for w in list(wanted)))
    wanted.update(stem(t) for _, alternatives in phrases for alt in alternatives for t in alt)
    beginnings = {_beginning(w) for w in wanted if w}
    return frozenset(wanted), tuple(sorted(beginnings))


def _beginning(stem_: str) -> str:
    """How every word with this stem begins: "companies" -> "company" begins "compan", and
    "profitability" -> "profitable" begins "profitab" (``stem`` reads a quality as its
    adjective: "volatile" -> "volatil", "flexible" -> "flexib")."""
    if stem_.endswith(("able", "ible")) and len(stem_) > 6:
        return stem_[:-2]
    if stem_.endswith("ile") and len(stem_) > 5 or stem_.endswith("y") and len(stem_) > 1:
        return stem_[:-1]
    return stem_


# Where a sentence or a line ends. A PDF's line may also end mid-sentence; not splitting
# there (before a lower-case word) lost on the tune part (docs/accuracy.md).
_PIECES = re.compile(r"(?<=[.!?])\s+(?=[\"'“(]?[A-Z0-9$])|\n\s*")


def rerank_input(passages: list[Passage], plan: QuestionPlan, fused: dict[int, float],
                 doc_scores: dict[int, float]) -> RerankInput:
    """What the rerank features of ``passages`` read besides each passage (the tuning
    bench captures the same)."""
    top_fused = max(fused.values(), default=1.0)
    return RerankInput(plan, {p.chunk_id: fused[p.chunk_id] / top_fused for p in passages},
                       doc_scores, span_matches(plan, passages), plan.asked_person(passages))


def rerank_features(p: Passage, given: RerankInput, off: set[str] | frozenset[str] = frozenset()
                    ) -> dict[str, float]:
    """The values of the rerank features not turned ``off``, each 0..1."""
    return {name: feature(p, given) for name, feature in RERANK_FEATURES.items()
            if name not in off}


def note_match(plan: QuestionPlan, title: str, headings: str) -> float:
    """1 when the page is a note to the financial statements whose title names what the
    question asks about ("Note 7. Debt" for "Has Verizon increased its debt?"): the note
    is where a filing explains that subject. ``title`` is the document's, ``headings`` the
    page's, joined."""
    if not _NOTE.search(headings):
        return 0.0
    heading_words = {stem(t) for t in tokens(headings)}
    title_words = {stem(t) for t in tokens(title)}
    return float(any(stem(t) in heading_words for t in plan.terms
                     if not PERIOD_WORD.match(t) and stem(t) not in title_words))


_NOTE = re.compile(r"\bnote\s+\d+\b", re.I)


def support_of_neighbours(passages: list[Passage], weight: float) -> None:
    """A passage whose neighbours score high too sits where its document speaks to the
    question (a risk factor's heading and the paragraph that explains it; a segment table
    and the discussion on the next page): it gains ``weight`` times the best score, above
    the lowest candidate's, among the other candidates of its document on its page or the
    page either side. Scores are read before any is raised. (A text file has one page: its
    neighbours are its other candidates.)"""
    if not weight or len(passages) < 2:
        return
    low = min(p.score for p in passages)
    by_doc: dict[int, list[Passage]] = {}
    for p in passages:
        by_doc.setdefault(p.doc_id, []).append(p)
    raised: list[tuple[Passage, float]] = []
    for group in by_doc.values():
        for p in group:
            best = max((o.score for o in group if o is not p
                        and o.page_start <= p.page_end + 1 and p.page_start - 1 <= o.page_end),
                       default=None)
            if best is not None:
                raised.append((p, weight * (best - low)))
    for p, gain in raised:
        p.score += gain


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


def span_matches(scope: QuestionPlan, passages: list[Passage]) -> dict[int, float]:
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
SPEAKER_TURNS = 5  # turns of each person named always reranked
STATEMENT_TITLE_WORDS = {
    "cash_flow": "consolidated statements of cash flows operating investing financing activities",
    "income": "consolidated statements of income operations earnings net sales revenues",
    "balance": "consolidated balance sheets total assets liabilities shareholders equity",
}


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


__all__ = ["HybridRetriever", "rrf"]
