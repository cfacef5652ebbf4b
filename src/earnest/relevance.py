"""How well a passage answers a question, 0..1: what the "not found" threshold
(``answer.min_relevance``, calibrated in docs/calibration.md) is compared with, and the
statement-page match the reranker shares."""

from __future__ import annotations

import re
from functools import lru_cache

from earnest.models import Passage
from earnest.question_plan import QuestionPlan
from earnest.understanding import coverage


def statement_match(plan: QuestionPlan, p: Passage) -> float:
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


@lru_cache(maxsize=4096)  # pure; the reranker and the relevance check ask for each passage
def table_share(text: str) -> float:
    """Share of a passage's lines that are table rows (a label and figures)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return 0.0
    return sum(1 for line in lines if _ROW.search(line)) / len(lines)


_ROW = re.compile(r"(?:\(?[$]?\s?\d[\d,.]*\)?%?\s+){1,}\(?[$]?\s?\d[\d,.]*\)?%?\s*$")


def relevance(p: Passage, plan: QuestionPlan) -> float:
    """How well a passage answers the question, 0..1; the "not found" threshold applies to
    the best passage's. The table of the statement the question points at counts as such
    even when it shares few words with the question ("quick ratio" and a balance sheet)."""
    # A year's label ("FY23") is the document matcher's to weigh: the threshold was
    # calibrated on the words as written (docs/calibration.md).
    cov = coverage(plan, f"{p.context}\n{p.text}", year_labels=False)
    if p.dense_score is None:
        # Not embedded yet (or a keyword-only search): words alone, on their own scale
        # (calibrated in docs/calibration.md, as the hybrid one is).
        base = KEYWORD_RELEVANCE * cov
    else:
        base = 0.6 * max(p.dense_score, 0.0) + 0.4 * cov
    return min(1.0, base + 0.15 * statement_match(plan, p))


KEYWORD_RELEVANCE = 0.84


__all__ = ["KEYWORD_RELEVANCE", "relevance", "statement_match", "table_share"]
