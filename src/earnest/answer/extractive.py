"""The default answerer: no LLM. It quotes the sentences and table rows that answer, verbatim,
one citation each: the best of the best-ranked passage first (for a why-question, the best
stating a cause), the rest in source order. The rules are summarised in the README."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Sequence

from earnest.answer.base import AnswerDraft, AnswerStream, AskEvent
from earnest.answer.tables import row_context, row_label
from earnest.asked_subjects import FRAME_WORDS, SAYING
from earnest.lexicon import stem, tokens
from earnest.models import Citation, Passage, Sentence
from earnest.question_plan import QuestionPlan
from earnest.settings import AnswerSettings
from earnest.statement_cues import outlook_statement, quotable, states_cause
from earnest.textspans import answer_units
from earnest.understanding import coverage

_NUMBERISH = re.compile(r"\d")
# A figure other than a year or a quarter's number: "$7 billion", "41,699", "4.3%", "15".
_FIGURE = re.compile(r"(?<![\w.])(?!(?:19|20)\d\d\b)\$?\d[\d,]*(?:\.\d+)?(?![\w.]*[A-Za-z])|"
                     r"\d(?:\.\d+)?\s?(?:%|percent|million|billion|bps|basis points)")
_HEADER_CELL = re.compile(r"\b(?:(?:19|20)\d\d|Q[1-4]|FY\s?'?\d\d(?:\d\d)?|millions?|"
                          r"thousands?|weeks? ended|months ended|years? ended)\b", re.I)


def table_header(before: str, headings: Sequence[str]) -> str | None:
    """The column headings of the table a row belongs to: the last line above it that names
    periods ("(Millions) 2018 2017 2016", "Q3 FY2024 Q3 FY2023"), else the page's."""
    for line in reversed(before.split("\n")):
        if len(_HEADER_CELL.findall(line)) >= 2 and len(line) < 160:
            return line.strip()
    for part in " ".join(headings).split(" | "):
        # Page headings are joined with spaces; the header row starts at its "(In millions)"
        # or first period word.
        m = re.search(r"\((?:in |dollars in )?(?:millions|thousands|billions)[^)]*\).*|"
                      r"\b(?:Q[1-4]|FY|(?:19|20)\d\d)\b.*", part, re.I)
        if m and len(_HEADER_CELL.findall(m.group(0))) >= 2:
            return m.group(0).strip()
    return None


@dataclass(slots=True)
class Drafted:
    text: str  # the sentence as shown (white space folded; a table row with its headings)
    citation: Citation
    score: float
    rank: int  # passage rank, for ordering
    causal: bool = False
    row: str | None = None  # a table row's label, lower case
    segment: bool = False  # one segment's row of a line item the question asks company-wide


def _marks(sentence: Sentence) -> str:
    return "".join(f"[{n}]" for n in sentence.citations)


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def asks_cause(plan: QuestionPlan) -> bool:
    return plan.asks_cause


def _previous(year: int, quarter: int | None) -> tuple[int, int | None]:
    if quarter is None:
        return year - 1, 4
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def period_agrees(named: list[tuple[int, int | None]],
                  period: tuple[int | None, int | None]) -> bool:
    """Whether a document of fiscal ``period`` (year, quarter; quarter None for a year) can
    answer for the ``named`` periods: a document of that period; a year's annual report for
    the year before too (its comparative column); and the document of the period just
    before, whose outlook speaks of the named one (a Q3 call guides Q4). Not a quarter's
    document for another quarter."""
    year, quarter = period
    if not named or year is None:
        return True
    for want_year, want_quarter in named:
        if want_quarter is None:
            if year == want_year or (year == want_year + 1 and quarter in (None, 4)):
                return True
        elif year == want_year and quarter in (want_quarter, None):
            return True
        before_year, before_quarter = _previous(want_year, want_quarter)
        if year == before_year and quarter in (before_quarter, None):
            return True
    return False


# the least coverage a question of the analyst asked about counts as ("What did Sam Lee ask?")
_ASKED_FLOOR = 0.3


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, settings: AnswerSettings,
                 period_of: Callable[[int], tuple[int | None, int | None]] | None = None
                 ) -> None:
        self.settings = settings
        # doc id -> (fiscal year, quarter), from the library's document metadata
        self.period_of = period_of

    def stream(self, question: str, plan: QuestionPlan, passages: list[Passage]) -> AnswerStream:
        """Yield each chosen sentence as it is placed; return the whole draft."""
        draft = self.answer(plan, passages)
        for sentence in draft.sentences:
            yield AskEvent("delta", {"text": f"{sentence.text} {_marks(sentence)} "})
            yield AskEvent("sentence", sentence)
        return draft

    def answer(self, plan: QuestionPlan, passages: list[Passage]) -> AnswerDraft:
        """Quoted sentences with their citation numbers, and the citations."""
        named = list(plan.periods)
        asked = {stem(t) for t in tokens(plan.question)}
        candidates: list[Drafted] = []
        asked_person = plan.asked_person(passages)
        # "What did Sam Lee ask on the Q2 call?" names no topic (its words of what is asked
        # are verbs of asking and the document's words): any question of his answers it.
        any_question = asked_person is not None and not [
            t for t in plan.subject().terms if not SAYING.fullmatch(t) and t not in FRAME_WORDS]
        for rank, passage in enumerate(passages):
            off_period = self.period_of is not None and not period_agrees(
                named, self.period_of(passage.doc_id))
            candidates += self._candidates(plan, passage, rank, asked, off_period,
                                          asked_person, any_question)
        # A company-wide row of a line item leaves out that item's segment rows.
        whole = {d.row for d in candidates if d.row and not d.segment}
        candidates = [d for d in candidates if not (d.segment and d.row in whole)]
        chosen = self._select(candidates, spread=asks_cause(plan))
        if not chosen:
            return AnswerDraft(text="", sentences=[], citations=[], answerer=self.name)
        # Retrieval ranks where the answer is; the answerer, which words: the best sentence
        # of the best-ranked passage leads, the rest follow in source order (passage rank,
        # then position on the page), so the answer reads in order.
        top = min(d.rank for d in chosen)
        lead = next(d for d in chosen if d.rank == top)  # chosen is best first
        if asks_cause(plan):
            # A why-question's answer is a cause: the best sentence stating one leads.
            lead = next((d for d in chosen if d.causal), lead)
        elif plan.wants_figure and not _FIGURE.search(lead.text):
            # A question asking for a figure: the best sentence or row stating one leads.
            lead = next((d for d in chosen if _FIGURE.search(d.text)), lead)
        rest = [d for d in chosen if d is not lead]
        rest.sort(key=lambda d: (d.rank, d.citation.char_start))
        citations: list[Citation] = []
        sentences: list[Sentence] = []
        parts: list[str] = []
        for number, draft in enumerate([lead, *rest], start=1):
            draft.citation.number = number
            citations.append(draft.citation)
            sentences.append(Sentence(draft.text, [number]))
            parts.append(f"{draft.text} [{number}]")
        return AnswerDraft(text=" ".join(parts), sentences=sentences, citations=citations,
                           answerer=self.name)

    def _candidates(self, plan: QuestionPlan, passage: Passage, rank: int, asked: set[str],
                    off_period: bool, asked_person: int | None,
                    any_question: bool = False) -> list[Drafted]:
        out: list[Drafted] = []
        units = answer_units(passage.text)
        labels = Counter(row_label(u.text(passage.text)).lower()
                         for u in units if u.kind == "row")
        why = asks_cause(plan)
        guidance = plan.outlook and not why  # ("What was the revenue guidance?" too)
        speaker = plan.speaker_match(passage.role, passage.speaker, asked_person)
        if passage.role == "operator" and not speaker:
            return out  # the operator introduces speakers; no claim about the company
        previous = 0.0
        last: Drafted | None = None  # the previous sentence's candidate, if it is one
        # A question states no claim, except what the analyst the question names asked.
        asked_by_them = passage.role == "analyst" and speaker > 0
        for unit in units:
            raw = unit.text(passage.text)
            words = raw.split()
            if not quotable(unit.kind, raw) or (raw.rstrip().endswith("?") and not asked_by_them):
                previous = 0.0 if unit.kind != "sentence" else previous
                last = None
                continue
            table = row_context(passage.text[:unit.start], raw, " ".join(passage.headings)) \
                if unit.kind == "row" else None
            shown = _fold(raw)
            cov = coverage(plan, f"{table.group} {raw}" if table and table.group else raw,
                           year_labels=False)
            cause = states_cause(raw) if why else None
            causal = cause is not None
            if causal:
                # "The decline was driven by ..." answers the sentence before it.
                cov = max(cov, 0.8 * previous)
            if cause == "back" and last is not None and not last.causal:
                last.score += 0.3  # the sentence before holds the cause
                last.causal = True
            if any_question and asked_by_them and speaker == 1.0 and raw.rstrip().endswith("?"):
                # "What did Sam Lee ask?": the questions of the analyst named and asked
                # about answer it, whatever their words.
                cov = max(cov, _ASKED_FLOOR)
            previous = cov
            if cov == 0:
                last = None
                continue
            score = cov + 0.5 * passage.score
            if plan.wants_figure and _NUMBERISH.search(raw):
                score += 0.1
            if causal:
                score += 0.3
            if guidance and outlook_statement(raw):
                score += 0.15  # an outlook question: the sentence giving the guidance
            score += 0.3 * speaker
            if asked_by_them and raw.rstrip().endswith("?"):
                score += 0.1  # "What did <analyst> ask?": the question they asked
            if len(words) > 80:  # a run-on block (e.g. a table flattened to one line)
                score -= 0.15
            if off_period:  # a document of another period than the question names
                score *= 0.5
            if asked_person is not None and not speaker:
                # What a person the question names said: others' words (a participants'
                # list naming them, another speaker) come after theirs.
                score *= 0.5
            segment = False
            if table is not None:
                group_named = bool(table.group) and bool(
                    {stem(t) for t in tokens(table.group)} & asked)
                # A label printed more than once in the passage: one row per segment.
                segment = not group_named and labels[table.label.lower()] > 1
                if segment:
                    # One of several segments' rows of the same line item, for a question
                    # naming none of them: the company-wide figure is wanted.
                    score -= 0.25
                elif table.is_total and not group_named:
                    score += 0.1
                shown = _shown_row(shown, table)
            start = passage.char_start + unit.start
            columns = (table.columns or table_header(passage.text[:unit.start],
                                                     passage.headings)) if table else None
            last = Drafted(
                text=shown, score=score, rank=rank, causal=causal, segment=segment,
                row=table.label.lower() if table else None,
                citation=Citation(
                    number=0, doc_name=passage.doc_name, page=passage.page_start,
                    quote=raw, char_start=start, char_end=start + len(raw),
                    chunk_id=passage.chunk_id, speaker=passage.speaker,
                    section=passage.section, role=passage.role, columns=columns))
            out.append(last)
        return out

    def _select(self, candidates: list[Drafted], spread: bool = False) -> list[Drafted]:
        """The best sentences, down to 0.6 of the best score. With ``spread`` (a question
        asking why), each source — a speaker's turn, a passage — gives its best sentence
        first, so the causes that several speakers or sections add are gathered before a
        second sentence from any one of them."""
        if not candidates:
            return []
        candidates.sort(key=lambda d: -d.score)
        best = candidates[0].score
        eligible = [d for d in candidates if d.score >= 0.6 * best]
        if spread:
            first: dict[tuple, Drafted] = {}
            for d in eligible:
                first.setdefault((d.citation.doc_name, d.citation.speaker, d.rank), d)
            picked = set(map(id, first.values()))
            eligible = list(first.values()) + [d for d in eligible if id(d) not in picked]
        chosen: list[Drafted] = []
        seen: set[str] = set()
        for draft in eligible:
            if len(chosen) >= self.settings.max_sentences:
                break
            key = " ".join(stem(t) for t in tokens(draft.text))
            if key in seen:  # the same sentence quoted in two filings
                continue
            seen.add(key)
            chosen.append(draft)
        return chosen


def _shown_row(row: str, table) -> str:
    """A table row as a reader needs it: "Latin America (LATAM): Paid memberships at end of
    period 41,699 39,961 37,537 (in thousands; columns 2022 2021 2020)"."""
    text = f"{table.group}: {row}" if table.group else row
    extra = [table.unit.strip("()")] if table.unit else []
    if table.columns:
        extra.append(f"columns {table.columns}")
    return f"{text} ({'; '.join(extra)})" if extra else text
