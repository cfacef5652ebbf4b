"""The service's questions: search, answers and their events, the library-scope check, the
answerer for each ask. Mixed into ``Earnest`` (service.py) like its trust operations."""

from __future__ import annotations

import functools
import os
import re
import time
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from earnest.answer import AnswerDraft, Answerer, AskEvent, ExtractiveAnswerer
from earnest.answer.registry import AnswererContext, make_answerer
from earnest.asked_subjects import asked_nouns
from earnest.errors import InputError, LLMNotConfigured
from earnest.filter_checks import check_filters
from earnest.inputs import SEARCH_MODES, check_filter_values
from earnest.lexicon import SYNONYMS, stem
from earnest.library_scope import Correction, LibraryScope, ScopeVerdict
from earnest.models import Answer, Passage, SearchResult
from earnest.question_plan import QuestionPlan, plan_question, speaker_person
from earnest.relevance import relevance
from earnest.retrieval import HybridRetriever
from earnest.store import Filters
from earnest.trust.keys import LOCAL, Principal

if TYPE_CHECKING:
    from earnest.embedding import Embedder
    from earnest.llm import ChatClient
    from earnest.settings import Settings
    from earnest.store import Store

def _names(passage: Passage, name: str) -> bool:
    """Whether a passage (its text, speaker or document) names ``name``."""
    where = f"{passage.text} {passage.speaker or ''} {passage.context} {passage.doc_name}"
    return re.search(rf"(?<![\w&]){re.escape(name)}(?![\w&])", where, re.I) is not None


def _names_person(speaker: str | None, name: str) -> bool:
    """Whether ``name`` is in the person's name of a speaker line ("Jane Doe (CFO, ACME)")."""
    return re.search(rf"(?<![\w&]){re.escape(name)}(?![\w&])", speaker_person(speaker),
                     re.I) is not None


def _not_mentioned(names: list[str]) -> str:
    listed = " or ".join(names)
    return (f"Not found in your documents: the library holds no documents of {listed}, and "
            f"none of the passages found mentions {listed}. The closest passages are "
            "listed below.")


def _never_mentioned(nouns: list[str], documents: list[str]) -> str:
    words = " or ".join(f"“{n}”" for n in nouns)
    where = ", ".join(documents[:3]) + (f" and {len(documents) - 3} more"
                                        if len(documents) > 3 else "")
    return (f"Not found in your documents: the question asks about {words}, which the "
            f"documents it is about ({where}) never mention, nor do their companies' other "
            "documents of the same years. The closest passages are listed below.")


NOT_FOUND_TEXT = ("Not found in your documents: no passage in the library answers this "
                  "question closely enough. The closest passages are listed below.")


class AskOperations:
    """Needs ``settings``, ``store``, ``embedder``, ``retriever``, ``answerer``,
    ``_answerer_context``, ``_llm_client``, ``_generative``, ``_extractive`` and ``_scopes``
    on self (set by ``Earnest.__init__``), and the trust operations."""

    settings: Settings
    store: Store
    embedder: Embedder
    retriever: HybridRetriever
    answerer: Answerer
    _answerer_context: AnswererContext
    _llm_client: ChatClient | None
    _generative: Answerer | None
    _extractive: ExtractiveAnswerer | None
    _scopes: dict[tuple[str, ...], LibraryScope]

    # -- query -------------------------------------------------------------------------------
    def search(self, query: str, *, k: int | None = None, filters: Filters | None = None,
               mode: str = "hybrid", principal: Principal = LOCAL) -> SearchResult:
        query = self._check_query(query)
        self._check_k(k)
        filters = self._check_filters(self.scoped(filters, principal))
        if mode not in SEARCH_MODES:
            raise InputError(f"unknown search mode {mode!r}; use hybrid, keyword or dense")
        return self.retriever.search(query, filters, k, mode)

    def ask(self, question: str, *, k: int | None = None, filters: Filters | None = None,
            llm: bool | None = None, principal: Principal = LOCAL) -> Answer:
        """Answer a question with citations (the whole answer at once). ``llm``: True for
        the LLM's answer, False for the extractive one, None for the LLM iff configured."""
        for event in self.ask_stream(question, k=k, filters=filters, llm=llm,
                                     principal=principal):
            if event.kind == "answer":
                return event.data  # type: ignore[return-value]
        raise AssertionError("ask_stream ended without an answer")  # pragma: no cover

    def ask_stream(self, question: str, *, k: int | None = None,
                   filters: Filters | None = None, llm: bool | None = None,
                   principal: Principal = LOCAL) -> Iterator[AskEvent]:
        """Answer a question as a stream of events: stages with their timings, how the
        question was understood, the evidence, answer text as it is produced, and last the
        whole ``Answer`` (event kind ``answer``, on ``event.data``).
        Input is checked before the first event, so a bad request raises at once.

        LLM answers add ``token`` events (the model's raw text: a draft, not yet checked)
        and ``notice`` events (e.g. the endpoint failed and the extractive answer follows);
        ``delta`` and ``sentence`` events carry only verified (or flagged) sentences."""
        question = self._check_query(question)
        self._check_k(k)
        filters = self._check_filters(self.scoped(filters, principal))
        answerer = self._answerer_for(llm)
        return self._ask_events(question, k or self.settings.retrieve.k, filters, answerer,
                                principal)

    def _ask_events(self, question: str, k: int, filters: Filters,
                    answerer: Answerer, principal: Principal) -> Iterator[AskEvent]:
        t0 = time.perf_counter()
        # What "the library holds" is what the caller's collections hold.
        scope = self.library_scope(filters.collections)

        def appears(word: str, doc_names: list[str] | None = None) -> bool:
            return self._appears(word, filters, doc_names)

        asked, corrections = scope.correct(question, appears)
        plan = plan_question(asked)

        @functools.cache  # the scope check and the subjects check ask of the same names
        def speaks(name: str) -> bool:
            """Whether a person of that name speaks: in a speaker's name, not their title
            ("President, North America") or firm."""
            hits = self.store.keyword_search(
                " ".join(plan.keyword_terms), Filters(collections=filters.collections,
                                                     speakers=[name]), 20)
            return any(_names_person(p.speaker, name)
                       for p in self.store.get_passages([i for i, _ in hits]))

        # Filters naming documents or their company, period or type: the user chose.
        verdict = None if filters.doc_names or filters.metadata else \
            scope.check(asked, plan, appears, corrections,
                        usage=lambda word: self._usage(word, filters), speaks=speaks)
        if verdict is not None:
            yield from self._not_held(question, asked, plan, verdict, answerer, t0,
                                      corrections, filters, k, principal)
            return
        yield AskEvent("stage", {"stage": "retrieve", "status": "started"})
        result = self.retriever.search(asked, filters, k, plan=plan)
        timings = dict(result.timings_ms)
        understanding = {**result.understanding, "filters": result.filters,
                         "notes": result.notes}
        if corrections:
            understanding["corrections"] = [c.to_dict() for c in corrections]
        yield AskEvent("stage", {"stage": "retrieve", "status": "done",
                                 "ms": round((time.perf_counter() - t0) * 1000, 2)})
        yield AskEvent("understanding", understanding)
        yield AskEvent("passages", {"passages": [p.to_dict() for p in result.passages]})
        t1 = time.perf_counter()
        stats = self.stats(principal)
        usable = result.passages
        subjects = [] if filters.doc_names or filters.metadata else \
            scope.unheld_subjects(asked, appears, speaks)
        if subjects:
            # Asked about a company the library only mentions: only passages naming it.
            usable = [p for p in usable if all(_names(p, s) for s in subjects)]
            understanding["subjects_mentioned"] = subjects
        best = max((relevance(p, plan) for p in usable), default=0.0)
        unmentioned = [] if filters.doc_names or filters.metadata or not \
            scope.asks_about_held(asked, lambda word: self._usage(word, filters)) else \
            self._unmentioned(asked, plan, result.understanding["documents"], filters)
        if unmentioned:
            understanding["not_mentioned"] = unmentioned
        status, draft = "not_found", AnswerDraft(
            _not_mentioned(subjects) if subjects and not usable else
            _never_mentioned(unmentioned, result.understanding["documents"]) if unmentioned
            else NOT_FOUND_TEXT, [], [], answerer=answerer.name)
        if not stats.documents:
            status, draft.text = "empty_library", "The library is empty: ingest documents first."
        elif best >= self.settings.answer.min_relevance and not unmentioned:
            # Below the threshold nothing is drafted at all (and no LLM is ever called).
            yield AskEvent("stage", {"stage": "answer", "status": "started",
                                     "answerer": answerer.name})
            draft = yield from answerer.stream(asked, plan, usable)
            status = "answered" if draft.citations else "not_found"
            draft.text = draft.text or NOT_FOUND_TEXT
        timings.update(draft.timings_ms)
        timings["answer"] = round((time.perf_counter() - t1) * 1000, 2)
        timings["total"] = round((time.perf_counter() - t0) * 1000, 2)
        yield AskEvent("stage", {"stage": "answer", "status": "done", "ms": timings["answer"]})
        answer = Answer(
            question=question, status=status, answer=draft.text, sentences=draft.sentences,
            citations=draft.citations, passages=result.passages, understanding=understanding,
            timings_ms=timings, mode=result.mode, relevance=best,
            library_version={"generation": self.store.generation(),
                             "index": self.settings.index_identity(),
                             "embedder": self.embedder.model_id,
                             "answerer": draft.answerer or answerer.name},
            answerer=draft.answerer or answerer.name, usage=draft.usage,
            verification=draft.verification, notes=draft.notes)
        self.record_answer(answer, filters, k, principal)
        yield AskEvent("answer", answer)

    def library_scope(self, collections: Sequence[str] = ()) -> LibraryScope:
        """What the library (its ``collections``; all when empty) holds by company and
        period, rebuilt with the matcher, i.e. when the library generation changes."""
        matcher = self.retriever.matcher(collections)
        key = tuple(sorted(collections))
        if key not in self._scopes or self._scopes[key].matcher is not matcher:
            if len(self._scopes) > 64:
                self._scopes.clear()
            self._scopes[key] = LibraryScope(matcher)
        return self._scopes[key]

    def _appears(self, word: str, filters: Filters | None = None,
                 doc_names: list[str] | None = None) -> bool:
        """Whether any document (of the filters' collections, of ``doc_names``) contains
        ``word``."""
        return bool(self.store.keyword_search(
            word, Filters(collections=filters.collections if filters else [],
                          doc_names=doc_names or []), 1))

    def _unmentioned(self, question: str, plan: QuestionPlan, documents: list[str],
                     filters: Filters) -> list[str]:
        """The nouns ``question`` asks about (``asked_nouns``) that none of ``documents``
        (with their companies' other documents of the same fiscal years: a year's calls
        discuss one business, each in the words it chooses) contains, in any form the
        keyword index matches (plurals, "-ing"), as a word of the same group (``SYNONYMS``:
        "outlook" is found as "guidance") or in a wording the plan searches filings for
        ("share repurchases": "treasury stock"). The caller
        reads it only when the question names a company the library holds, so that
        ``documents`` are that company's (of the period asked about); not read for a
        question pointing at a financial statement, whose figures an answer may compute."""
        if not documents or plan.statements:
            return []  # a statement's figures may be computed ("quick ratio"): not checked
        wider: list[str] | None = None
        missing = []
        for noun in asked_nouns(question, cause=plan.asks_cause):
            forms = [(noun,), *((s,) for s in SYNONYMS.get(stem(noun), ()))]
            forms += [alt for phrase, alts in plan.phrases if noun in phrase for alt in alts]
            if self._any_form(forms, filters, documents):
                continue
            if wider is None:  # only for a noun the documents lack: the search is wider
                wider = self.retriever.matcher(filters.collections).same_year(documents)
            if len(wider) == len(documents) or not self._any_form(forms, filters, wider):
                missing.append(noun)
        return missing

    def _any_form(self, forms: list[tuple[str, ...]], filters: Filters,
                  documents: list[str]) -> bool:
        return any(all(self._appears(word, filters, documents) for word in form)
                   for form in forms)

    def _usage(self, word: str, filters: Filters) -> tuple[int, int]:
        """How the library writes ``word`` mid-sentence, in the first passages holding it:
        (lower-case uses, capitalised uses). "Costco" is a name, "target" an everyday word."""
        hits = self.store.keyword_search(word, Filters(collections=filters.collections), 30)
        lower = upper = 0
        pattern = re.compile(rf"(?<![\w&]){re.escape(word)}(?![\w&])", re.I)
        for passage in self.store.get_passages([i for i, _ in hits]):
            for m in pattern.finditer(passage.text):
                before = passage.text[max(0, m.start() - 3):m.start()]
                if re.search(r"(?:^|[.!?:\n]\s*|[\"(]\s*)$", before):
                    continue  # a sentence's first word is capitalised whatever it is
                if m.group(0).islower():
                    lower += 1
                else:
                    upper += 1
        return lower, upper

    def _not_held(self, question: str, asked: str, plan: QuestionPlan, verdict: ScopeVerdict,
                  answerer: Answerer, t0: float, corrections: list[Correction],
                  filters: Filters, k: int, principal: Principal) -> Iterator[AskEvent]:
        """The question is about a company or period the library lacks: say so and what it
        holds, without retrieving (another company's words are no evidence) or calling an
        LLM."""
        matcher = self.retriever.matcher(filters.collections)
        understanding = {**plan.to_dict(), **matcher.describe(plan),
                         "documents": [], "filters": {}, "notes": [],
                         "library_scope": verdict.to_dict()}
        if corrections:
            understanding["corrections"] = [c.to_dict() for c in corrections]
        yield AskEvent("understanding", understanding)
        yield AskEvent("passages", {"passages": []})
        total = round((time.perf_counter() - t0) * 1000, 2)
        answer = Answer(
            question=question, status="not_found", answer=verdict.message, sentences=[],
            citations=[], passages=[], understanding=understanding,
            timings_ms={"understand": total, "retrieve": 0.0, "rerank": 0.0, "answer": 0.0,
                        "total": total},
            mode="scope", relevance=0.0,
            library_version={"generation": self.store.generation(),
                             "index": self.settings.index_identity(),
                             "embedder": self.embedder.model_id, "answerer": answerer.name},
            answerer=answerer.name)
        self.record_answer(answer, filters, k, principal)
        yield AskEvent("answer", answer)

    def _check_filters(self, filters: Filters) -> Filters:
        """Filters with values checked (and years, quarters normalised); one naming what the
        library lacks is refused with suggestions, before any work (and before a stream
        opens)."""
        filters = check_filter_values(filters)
        check_filters(filters, self.retriever.matcher(filters.collections).docs)
        return filters

    @staticmethod
    def _check_k(k: int | None) -> None:
        if k is not None and not 1 <= k <= 100:
            raise InputError(f"k must be between 1 and 100, got {k}")

    @staticmethod
    def _check_query(query: str) -> str:
        query = (query or "").strip()
        if not query:
            raise InputError("the question is empty")
        if len(query) > 2000:
            raise InputError("the question is longer than 2,000 characters")
        return query


    def _answerer_for(self, llm: bool | None) -> Answerer:
        """The extractive answerer, or the LLM's when asked for (default: when configured)."""
        if llm is False or (llm is None and not self.llm_configured):
            return self.answerer
        if not self.llm_configured:
            raise LLMNotConfigured("an LLM answer was asked for, but no LLM is configured: "
                                   "set llm.base_url and llm.model (EARNEST_LLM_BASE_URL, "
                                   "EARNEST_LLM_MODEL)")
        if self._generative is None:
            self._generative = make_answerer(self.settings.answer.llm_answerer,
                                             self._answerer_context)
        return self._generative

    def _chat_client(self) -> ChatClient:
        if self._llm_client is None:
            from earnest.llm import OpenAIChatClient

            llm = self.settings.llm
            self._llm_client = OpenAIChatClient(llm, api_key=llm.api_key(os.environ))
        return self._llm_client

    def _extractive_answerer(self) -> ExtractiveAnswerer:
        """Earnest's extractive answerer (the LLM's falls back to it): the default one when
        that is it, else one of its own."""
        if isinstance(self.answerer, ExtractiveAnswerer):
            return self.answerer
        if self._extractive is None:
            self._extractive = ExtractiveAnswerer(self.settings.answer,
                                                  self._answerer_context.period_of)
        return self._extractive

    def _similarity(self, sentence: str, texts: Any) -> float:
        """Best cosine between a sentence and candidate texts (the verifier's semantic check)."""
        texts = list(texts)
        if not texts:
            return 0.0
        vectors = self.embedder.embed_batch([sentence, *texts])
        return float(max(vectors[1:] @ vectors[0]))
