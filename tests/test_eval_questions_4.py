"""eval/transcript_questions_4.jsonl, the fourth transcript question set (written by reading
Motley Fool calls of 30 companies no earlier set asks about, weighted to the why- and guidance
questions): its shape, its spread over the split, and its labels against ../shared/data —
every gold quote verbatim in its call as Earnest's reader gives it, every company "not held"
absent from the development transcripts, every quarter "not held" outside its company's calls,
every metric "never discussed" absent from its call (skipped with a message when ../shared is
absent)."""

import re
from collections import Counter
from pathlib import Path

from earnest.eval_questions import CALL_TYPES, REASONS, read_questions
from earnest.eval_split import SPLITS_FILE, load_splits, transcript_ticker

from .conftest import question_parts, reader_text, shared_data, squeezed

EVAL = Path(__file__).resolve().parents[1] / "eval"
FOURTH = EVAL / "transcript_questions_4.jsonl"
EARLIER = [EVAL / f"transcript_questions{n}.jsonl" for n in ("", "_2", "_3")]
MINIMUM = {"why": 6, "guidance": 5, "figure": 3, "executive": 3, "analysts": 3}
# the (fiscal year, quarter) each "period not held" question asks about
PERIODS = {"tq4-065": (2022, 2), "tq4-066": (2022, 2), "tq4-067": (2022, 2),
           "tq4-068": (2018, 2)}
# a "never discussed" question: the words of what it asks about, none of them in its call
NEVER = {
    "tq4-069": r"commerce|online|digital|omni",       # Campbell's e-commerce share
    "tq4-070": r"advertis|marketing",                 # DaVita's advertising spend
    "tq4-071": r"pension|defined benefit|retirement",  # AMETEK's pension contributions
    "tq4-072": r"recordable|incident rate|injur|safety",  # Energy Transfer's incident rate
}
_CALL = re.compile(r"([A-Z]+)_q([1-4])_(\d{4})")


def _calls() -> Path:
    return shared_data("transcripts/motleyfool/transcripts")


def test_fourth_set_is_well_formed_and_spread_over_both_parts() -> None:
    rows = read_questions(FOURTH)
    assert [r["id"] for r in rows] == [f"tq4-{n:03d}" for n in range(1, len(rows) + 1)]
    answerable = [r for r in rows if r["answerable"]]
    assert {r["type"] for r in rows} == set(CALL_TYPES)
    for r in answerable:
        assert r["source"] == "motleyfool", r["id"]
        assert _CALL.fullmatch(r["doc_name"]).group(1) == r["ticker"], r["id"]
        assert 1 <= len(r["gold_quotes"]) <= 3, r["id"]
        assert all(8 <= len(q.split()) <= 40 for q in r["gold_quotes"]), r["id"]
    for got, lost, counts in question_parts(rows):
        assert len(got) >= 20
        assert all(counts[t] >= n for t, n in MINIMUM.items()), counts
        assert {r["unanswerable_reason"] for r in lost} == set(REASONS)
    # companies no earlier set asks about, at most three questions a call
    earlier = {r["ticker"] for path in EARLIER for r in read_questions(path)}
    assert not {r["ticker"] for r in answerable} & earlier
    assert max(Counter(r["doc_name"] for r in answerable).values()) <= 3
    assert len({r["ticker"] for r in answerable}) >= 30


def test_fourth_set_gold_quotes_are_verbatim_in_their_calls() -> None:
    root = _calls()
    texts: dict[str, str] = {}
    for r in read_questions(FOURTH):
        name = r["doc_name"]
        if not r["answerable"]:
            continue
        if name not in texts:
            path = root / f"{name}.txt"
            assert path.exists(), (r["id"], path)
            assert transcript_ticker(path) == r["ticker"], r["id"]
            texts[name] = reader_text(path)
        for quote in r["gold_quotes"]:
            assert squeezed(quote) in texts[name], (r["id"], quote)


def test_fourth_set_unanswerable_labels_hold_against_the_calls() -> None:
    root = _calls()
    paths = sorted(root.glob("*.txt"))
    held = {transcript_ticker(p) for p in root.parents[1].rglob("*")
            if p.suffix in (".pdf", ".txt")}
    everything = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in paths)
    splits = load_splits(SPLITS_FILE)
    not_held = set(splits["not_held"]["tune"]) | set(splits["not_held"]["holdout"])
    rows = {r["id"]: r for r in read_questions(FOURTH) if not r["answerable"]}
    by_reason = {reason: {i for i, r in rows.items() if r["unanswerable_reason"] == reason}
                 for reason in REASONS}
    assert by_reason["period_not_held"] == set(PERIODS)
    assert by_reason["never_discussed"] == set(NEVER)
    for qid in by_reason["company_not_held"]:
        r = rows[qid]
        assert r["source"] is None and r["ticker"] in not_held, qid
        assert r["ticker"] not in held, qid
        # named in no Motley Fool call either (Refinitiv calls do name Qualcomm, a supplier)
        assert not re.search(rf"\b{re.escape(r['company'])}\b", everything), qid
    for qid, asked in PERIODS.items():
        r = rows[qid]
        assert str(asked[0]) in r["question"] and r["ticker"] in held, qid
        quarters = [(int(m[3]), int(m[2])) for p in paths
                    if (m := _CALL.fullmatch(p.stem)) and m[1] == r["ticker"]]
        # after the company's last call, or two years before its first
        assert asked > max(quarters) or (asked[0] + 2, asked[1]) <= min(quarters), qid
    for qid, pattern in NEVER.items():
        text = (root / f"{rows[qid]['doc_name']}.txt").read_text(encoding="utf-8")
        assert not re.search(pattern, text, re.IGNORECASE), qid
