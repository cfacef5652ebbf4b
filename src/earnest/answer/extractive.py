"""The default answerer: no LLM. It quotes the sentences that answer, verbatim, one citation
each, grouped by source so the answer reads in order."""

from __future__ import annotations

import re
from dataclasses import dataclass

from earnest.answer.base import AnswerDraft, AnswerStream, AskEvent
from earnest.lexicon import stem, tokens
from earnest.models import Citation, Passage
from earnest.question_plan import QuestionPlan
from earnest.settings import AnswerSettings
from earnest.textspans import split_units
from earnest.understanding import coverage

_NUMBERISH = re.compile(r"\d")
_CAUSAL = re.compile(r"\b(driven by|due to|because|as a result|reflect(?:s|ed|ing)?|offset by|"
                     r"attributable to|primarily (?:by|from)|caused by|resulting from|"
                     r"the decline|the increase|the decrease)\b", re.IGNORECASE)


# Words that only label a column or a period: a line made of them and figures states nothing
# ("January 28, 2023 January 29, 2022", "Three Months Ended 2023 2022").
_LABEL_WORDS = frozenset("""
january february march april may june july august september october november december jan feb
mar apr jun jul aug sep sept oct nov dec q1 q2 q3 q4 fy fiscal year years quarter quarters
month months week weeks ended ending end as of at in the and for thousands millions billions
dollars except per share amounts unaudited audited restated three six nine twelve
""".split())


def states_nothing(text: str) -> bool:
    """A line of dates, periods and figures only, not ended as a sentence: a header, not a
    claim ("The fiscal year ended January 28, 2023." is a claim)."""
    if re.search(r"[.!?]\s*$", text) and re.search(r"[a-z]", text):
        return False
    words = [w for w in tokens(text) if not w.replace(".", "").replace(",", "").isdigit()]
    return all(w in _LABEL_WORDS for w in words)


_HEADER_CELL = re.compile(r"\b(?:(?:19|20)\d\d|Q[1-4]|FY\s?'?\d\d(?:\d\d)?|millions?|"
                          r"thousands?|weeks? ended|months ended|years? ended)\b", re.I)


def table_header(before: str, headings: str) -> str | None:
    """The column headings of the table a row belongs to: the last line above it that names
    periods ("(Millions) 2018 2017 2016", "Q3 FY2024 Q3 FY2023"), else the page's."""
    for line in reversed(before.split("\n")):
        if len(_HEADER_CELL.findall(line)) >= 2 and len(line) < 160:
            return line.strip()
    for part in headings.split(" | ")[1:]:
        # Page headings are joined with spaces; the header row starts at its "(In millions)"
        # or first period word.
        m = re.search(r"\((?:in |dollars in )?(?:millions|thousands|billions)[^)]*\).*|"
                      r"\b(?:Q[1-4]|FY|(?:19|20)\d\d)\b.*", part, re.I)
        if m and len(_HEADER_CELL.findall(m.group(0))) >= 2:
            return m.group(0).strip()
    return None


@dataclass(slots=True)
class Drafted:
    text: str  # the sentence as shown (white space folded)
    citation: Citation
    score: float
    rank: int  # passage rank, for ordering


def _marks(sentence: dict) -> str:
    return "".join(f"[{n}]" for n in sentence["citations"])


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, settings: AnswerSettings) -> None:
        self.settings = settings

    def stream(self, question: str, plan: QuestionPlan, passages: list[Passage]) -> AnswerStream:
        """Yield each chosen sentence as it is placed; return the whole draft."""
        draft = self.answer(plan, passages)
        for sentence in draft.sentences:
            yield AskEvent("delta", {"text": f"{sentence['text']} {_marks(sentence)} "})
            yield AskEvent("sentence", sentence)
        return draft

    def answer(self, plan: QuestionPlan, passages: list[Passage]) -> AnswerDraft:
        """Quoted sentences with their citation numbers, and the citations."""
        candidates: list[Drafted] = []
        for rank, passage in enumerate(passages):
            previous = 0.0
            for unit in split_units(passage.text):
                raw = unit.text(passage.text)
                words = raw.split()
                if len(words) < 3 or unit.kind == "heading" or states_nothing(raw):
                    continue
                cov = coverage(plan, raw)
                causal = plan.wants_cause and bool(_CAUSAL.search(raw))
                if causal:
                    # "The decline was driven by ..." answers the sentence before it.
                    cov = max(cov, 0.8 * previous)
                previous = cov
                if cov == 0:
                    continue
                score = cov + 0.5 * passage.score
                if plan.wants_figure and _NUMBERISH.search(raw):
                    score += 0.1
                if causal:
                    score += 0.3
                score += 0.3 * plan.speaker_match(passage.role, passage.speaker)
                if len(words) > 80:  # a run-on block (e.g. a table flattened to one line)
                    score -= 0.15
                start = passage.char_start + unit.start
                columns = (table_header(passage.text[:unit.start], passage.context)
                           if unit.kind == "row" else None)
                candidates.append(Drafted(
                    text=_fold(raw), score=score, rank=rank,
                    citation=Citation(
                        number=0, doc_name=passage.doc_name, page=passage.page_start,
                        quote=raw, char_start=start, char_end=start + len(raw),
                        chunk_id=passage.chunk_id, speaker=passage.speaker,
                        section=passage.section, role=passage.role, columns=columns)))
        chosen = self._select(candidates, spread=plan.wants_cause)
        # Read in source order: by passage rank, then position on the page.
        chosen.sort(key=lambda d: (d.rank, d.citation.char_start))
        citations: list[Citation] = []
        sentences: list[dict] = []
        parts: list[str] = []
        for number, draft in enumerate(chosen, start=1):
            draft.citation.number = number
            citations.append(draft.citation)
            sentences.append({"text": draft.text, "citations": [number]})
            parts.append(f"{draft.text} [{number}]")
        return AnswerDraft(text=" ".join(parts), sentences=sentences, citations=citations,
                           answerer=self.name)

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
