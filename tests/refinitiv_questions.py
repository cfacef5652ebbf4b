"""Checks shared by the question sets written over Refinitiv calls (the third and fifth):
every gold quote verbatim in its call as Earnest's reader gives it, and the unanswerable
labels against the calls (skipped with a message when ../shared is absent)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from earnest.eval_questions import CALL_TYPES, REASONS, read_questions
from earnest.eval_split import SPLITS_FILE, load_splits, transcript_ticker

from .conftest import reader_text, shared_data, squeezed

# a "period not held" question: the quarter it asks about (first day, last day)
Periods = dict[str, tuple[date, date]]
# a "never discussed" question: the words it asks about, and the call dates of its period
Never = dict[str, tuple[str, date, date]]


def calls() -> Path:
    return shared_data("transcripts/refinitiv")


def call_date(stem: str) -> date:
    return date.fromisoformat(stem[:10])


def call_text(stem: str) -> str:
    """A call's text as Earnest's reader gives it, whitespace squeezed (each PDF read once)."""
    path = calls() / f"{stem}.pdf"
    assert path.exists(), path
    return reader_text(path)


def stems(ticker: str) -> list[str]:
    return sorted(p.stem for p in calls().glob(f"*-{ticker}.pdf"))


def check_rows(rows: list[dict], prefix: str) -> None:
    """Ids without gaps, every kind of question, the fields of the answerable (a Refinitiv
    call, 1-3 quotes of 8-40 words) and of the unanswerable."""
    assert [r["id"] for r in rows] == [f"{prefix}-{n:03d}" for n in range(1, len(rows) + 1)]
    assert {r["type"] for r in rows} == set(CALL_TYPES)
    for r in rows:
        if r["answerable"]:
            assert r["source"] == "refinitiv", r["id"]
            assert r["type"] != "unanswerable" and "unanswerable_reason" not in r, r["id"]
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-[A-Z]+", r["doc_name"]), r["id"]
            assert r["doc_name"].rsplit("-", 1)[1] == r["ticker"], r["id"]
            assert 1 <= len(r["gold_quotes"]) <= 3, r["id"]
            assert all(8 <= len(q.split()) <= 40 for q in r["gold_quotes"]), r["id"]
        else:
            assert r["type"] == "unanswerable" and r["unanswerable_reason"] in REASONS, r["id"]
            assert r["doc_name"] is None and r["gold_quotes"] == [], r["id"]


def check_years(answerable: list[dict]) -> None:
    """Over the whole 2010-2024 span, not mostly recent calls."""
    years = Counter(int(r["doc_name"][:4]) for r in answerable)
    assert min(years) <= 2011 and max(years) >= 2023 and len(years) >= 6, years
    assert sum(n for y, n in years.items() if y >= 2020) <= len(answerable) / 2, years


def check_gold_quotes(path: Path) -> None:
    calls()
    for r in read_questions(path):
        for quote in r["gold_quotes"]:
            assert squeezed(quote) in call_text(r["doc_name"]), (r["id"], quote)


def check_unanswerable_labels(path: Path, periods: Periods, never: Never) -> None:
    """A not-held ticker is in ``not_held`` and in no development transcript; a not-held
    quarter starts after the company's last call (or was reported before its first); a
    never-discussed metric's words are in none of the company's calls of that period."""
    root = calls()
    held = {transcript_ticker(p) for p in root.parent.rglob("*") if p.suffix in (".pdf", ".txt")}
    splits = load_splits(SPLITS_FILE)
    not_held = set(splits["not_held"]["tune"]) | set(splits["not_held"]["holdout"])
    rows = {r["id"]: r for r in read_questions(path) if not r["answerable"]}
    assert {i for i, r in rows.items() if r["unanswerable_reason"] == "period_not_held"} \
        == set(periods)
    assert {i for i, r in rows.items() if r["unanswerable_reason"] == "never_discussed"} \
        == set(never)
    for r in rows.values():
        if r["unanswerable_reason"] == "company_not_held":
            assert r["source"] is None and r["ticker"] in not_held, r["id"]
            assert r["ticker"] not in held, r["id"]
        else:
            assert r["source"] == "refinitiv" and r["ticker"] in held, r["id"]
    for qid, (first_day, last_day) in periods.items():
        r = rows[qid]
        assert str(last_day.year) in r["question"] or str(first_day.year) in r["question"], qid
        dates = [call_date(s) for s in stems(r["ticker"])]
        # after the last call (not even guided there), or reported before the first call
        assert first_day > max(dates) or last_day + timedelta(days=120) < min(dates), qid
    for qid, (pattern, start, end) in never.items():
        found = [s for s in stems(rows[qid]["ticker"]) if start <= call_date(s) <= end]
        assert len(found) >= 4, qid
        for stem in found:
            assert not re.search(pattern, call_text(stem), re.IGNORECASE), (qid, stem)
