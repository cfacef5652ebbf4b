"""`earnest eval questions FILE.jsonl`: labelled analyst questions over earnings calls or
filings.

Each line of FILE: ``id``, ``question``, ``type`` (why | figure | executive | guidance |
analysts | qualitative | unanswerable), ``answerable``, ``company``, ``ticker`` (for a
FinanceBench filing, the company as ``documents.jsonl`` names it: the split's key),
``source`` (refinitiv | motleyfool | financebench; null for a company no set holds),
``doc_name`` (the gold document's name in the library), ``gold_quotes`` (1-3 verbatim quotes of the gold document) and, for the
unanswerable, ``unanswerable_reason`` (company_not_held | period_not_held | never_discussed).

Scores, on the answerable questions:
- recall@k (k = 1, 3, 5, 10): the first k passages of the ranked evidence (``ask`` with
  EVIDENCE_K passages, extractive) hold a gold quote in the gold document;
- cited@5: a passage cited by the answer to ``ask`` with k=5 holds a gold quote;
- first sentence: the answer's first sentence holds >= 50% of a gold quote's content words
  (issue 10 item 9: the gold figure or cause comes first);
- false "not found": the k=5 answer's status is ``not_found``.
On the unanswerable: the share answered ``not_found`` (by reason).

A passage holds a quote when, after normalisation (case, quotes and dashes, whitespace), the
quote is a substring of it, or >= 80% of the quote's words occur in it in order, in runs of at
least two words (so a quote cut by a chunk boundary, or with a line-break artefact, counts;
single scattered words do not)."""

from __future__ import annotations

import re
import time
import unicodedata
from collections import defaultdict
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Callable

from earnest.errors import InputError
from earnest.eval_report import EvalReport, generative_markdown
from earnest.eval_split import check_split, describe, in_split, load_splits, named
from earnest.evaluation import EVIDENCE_K, _read_jsonl, _summarise, generative_summary
from earnest.models import Answer, Passage
from earnest.service import Earnest

# the kinds of question asked of a call; a filing's questions may also be "qualitative" (the
# business, its risks, legal matters, customers: answered by a sentence, not a figure)
CALL_TYPES = ("why", "figure", "executive", "guidance", "analysts", "unanswerable")
TYPES = (*CALL_TYPES, "qualitative")
REASONS = ("company_not_held", "period_not_held", "never_discussed")
ANSWER_K = 5
WORD_SHARE = 0.8  # of a quote's words, in order, for a passage to hold it
FIRST_SENTENCE_SHARE = 0.5  # of a quote's content words, in the answer's first sentence
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                       "\u2013": "-", "\u2014": "-", "\u00a0": " "})
_WORD = re.compile(r"[a-z0-9$%]+(?:[.,'][a-z0-9]+)*")
# function words: a first sentence must share the quote's content, not its grammar
_STOP = frozenset("""a an the and or but if of to in on at by for from with as is are was were
be been being it its this that these those we our you your they their he she his her i me my
us them there here so than then too very can could would should will shall may might do does
did have has had not no yes what which who whom how when where why also just about into over
up down out more most some any all each other such only own same both few again further once
""".split())


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).translate(_FOLD).lower().split())


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def holds(passage: str, quote: str) -> bool:
    """``passage`` holds ``quote`` (see the module docstring)."""
    if normalise(quote) in normalise(passage):
        return True
    q, p = words(quote), words(passage)
    if not q:
        return False
    blocks = SequenceMatcher(None, q, p, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks if b.size >= 2) >= WORD_SHARE * len(q)


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in _STOP}


def first_sentence_holds(sentence: str, quotes: list[str]) -> bool:
    """Half of a quote's content words, and none of its figures contradicted: a sentence
    stating figures where the quote states others ("5,500 employees" for "6,000") is another
    year's news in the same words."""
    got = content_words(sentence)
    for quote in quotes:
        want = content_words(quote)
        if want and len(want & got) >= FIRST_SENTENCE_SHARE * len(want):
            stated, gold = _figures(got), _figures(want)
            if not (stated and gold) or stated & gold:
                return True
    return False


def _figures(words: set[str]) -> set[str]:
    """The amounts among ``words`` ("6,000", "8%", "$9.2"), not periods."""
    return {w.strip("$%") for w in words
            if any(c.isdigit() for c in w) and not _YEAR.fullmatch(w)}


# periods, not amounts: "2015", "FY15", "fy'15", "Q3", "Q3FY16", "3Q16", "H1", "2nd"
_YEAR = re.compile(r"(?:19|20)\d\d|fy'?\d+|q[1-4]\w*|[1-4]q\d*|h[12]|\d+(?:st|nd|rd|th)")


def first_sentence(answer: Answer) -> str:
    if answer.status != "answered":
        return ""
    if answer.sentences:
        return answer.sentences[0].text
    return re.split(r"(?<=[.!?])\s+", answer.answer.strip(), maxsplit=1)[0]


def _gold_rank(passages: list[Passage], doc: str, quotes: list[str]) -> int | None:
    return next((i + 1 for i, p in enumerate(passages)
                 if p.doc_name == doc and any(holds(p.text, q) for q in quotes)), None)


def _cited(answer: Answer) -> list[Passage]:
    ids = {c.chunk_id for c in answer.citations}
    return [p for p in answer.passages if p.chunk_id in ids]


def read_questions(path: Path) -> list[dict[str, Any]]:
    """The questions of ``path``, checked field by field (a clear error, not a KeyError)."""
    rows = _read_jsonl(path)
    for n, q in enumerate(rows, start=1):
        missing = [k for k in ("question", "type", "answerable") if k not in q]
        if missing:
            raise InputError(f"question {q.get('id', n)} lacks {', '.join(missing)}",
                             path=str(path))
        if q["type"] not in TYPES:
            raise InputError(f"question {q.get('id', n)}: type {q['type']!r} is not one of "
                             f"{', '.join(TYPES)}", path=str(path))
        if q["answerable"] and not (q.get("doc_name") and q.get("gold_quotes")):
            raise InputError(f"question {q.get('id', n)} is answerable but has no doc_name "
                             "or gold_quotes", path=str(path))
    return rows


def select(questions: list[dict[str, Any]], split: str,
           splits: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The questions of one part: by the question's ticker in its source's split (a company
    no set holds: the ``not_held`` split)."""
    if split == "all":
        return questions
    assert splits is not None
    return [q for q in questions
            if in_split(splits, split, q.get("source") or "not_held", q.get("ticker"))]


def eval_questions(lib: Earnest, path: Path, *, split: str = "all", limit: int | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   llm: bool | None = None, splits: dict[str, Any] | None = None
                   ) -> EvalReport:
    split = check_split(split)
    if split != "all" and splits is None:
        splits = load_splits()
    questions = select(read_questions(path), split, splits)[:limit]
    llm = lib.llm_configured if llm is None else llm
    held = {d.doc_name for d in lib.documents()}
    hits, types, latencies, rows, answers = [], [], [], [], []
    cited = firsts = false_nf = 0
    abstained: dict[str, list[bool]] = defaultdict(list)
    for i, q in enumerate(questions):
        t0 = time.perf_counter()
        answer = lib.ask(q["question"], k=ANSWER_K, llm=llm)
        latencies.append((time.perf_counter() - t0) * 1000)
        answers.append(answer)
        row: dict[str, Any] = {"id": q.get("id"), "question": q["question"], "type": q["type"],
                               "status": answer.status,
                               "top_docs": list(dict.fromkeys(
                                   p.doc_name for p in answer.passages))[:3]}
        if not q["answerable"]:
            reason = q.get("unanswerable_reason") or "unspecified"
            abstained[reason].append(answer.status == "not_found")
            row["reason"] = reason
        else:
            doc, quotes = q["doc_name"], q["gold_quotes"]
            evidence = lib.ask(q["question"], k=EVIDENCE_K, llm=False)
            hit = _gold_rank(evidence.passages, doc, quotes)
            cite_hit = _gold_rank(_cited(answer), doc, quotes) is not None
            first = first_sentence(answer)
            first_hit = first_sentence_holds(first, quotes)
            hits.append(hit)
            types.append(q["type"])
            cited += cite_hit
            firsts += first_hit
            false_nf += answer.status == "not_found"
            row.update({"doc_name": doc, "hit_rank": hit, "cited_hit": cite_hit,
                        "first_sentence": first, "first_sentence_hit": first_hit,
                        "gold_doc_held": doc in held})
        rows.append(row)
        if progress:
            progress(i + 1, len(questions))
    n = max(len(hits), 1)
    unanswerable = [ok for group in abstained.values() for ok in group]
    extra: dict[str, Any] = {
        "metric": "gold-quote recall", "library": str(lib.home),
        "answerable": len(hits), "unanswerable": len(unanswerable),
        "cited_at_5": round(cited / n, 4), "first_sentence_holds_gold": round(firsts / n, 4),
        "false_not_found": round(false_nf / n, 4),
        "unanswerable_not_found": round(sum(unanswerable) / max(len(unanswerable), 1), 4),
        "unanswerable_by_reason": {r: {"n": len(v), "not_found": round(sum(v) / len(v), 4)}
                                   for r, v in sorted(abstained.items())},
        "gold_documents_missing": sorted({r["doc_name"] for r in rows
                                          if r.get("gold_doc_held") is False}),
        "by_source": _by(questions, rows, "source"),
        **describe(splits, split, ("refinitiv", "motleyfool", "not_held")),
    }
    if llm:
        extra["generative"] = generative_summary(answers)
    report = _summarise(named("questions", split), hits, types,
                        latencies, rows, extra)
    report.__class__ = QuestionsReport
    return report


def _by(questions: list[dict[str, Any]], rows: list[dict[str, Any]], key: str
        ) -> dict[str, dict[str, float]]:
    """recall@5 of the answerable questions by ``key`` (source)."""
    groups: dict[str, list[int | None]] = defaultdict(list)
    for q, r in zip(questions, rows):
        if q["answerable"]:
            groups[str(q.get(key))].append(r["hit_rank"])
    return {g: {"n": len(h), "@5": round(sum(1 for x in h if x and x <= 5) / len(h), 4)}
            for g, h in sorted(groups.items())}


class QuestionsReport(EvalReport):
    __slots__ = ()

    def markdown(self) -> str:
        x = self.extra
        lines = [f"# earnest eval {self.name}", "",
                 f"{x['answerable']} answerable and {x['unanswerable']} unanswerable "
                 f"questions; library: {x['library']}; split: {x.get('split', 'all')}", ""]
        if x.get("split_companies"):
            lines += ["Companies in this part: " + "; ".join(
                f"{s}: {', '.join(c)}" for s, c in x["split_companies"].items() if c), ""]
        lines += ["| metric | " + " | ".join(f"@{k}" for k in self.recall) + " | MRR |",
                  "|---|" + "---|" * (len(self.recall) + 1),
                  "| gold quote in the ranked evidence | "
                  + " | ".join(f"{v:.3f}" for v in self.recall.values())
                  + f" | {self.mrr:.3f} |", "",
                  "| type | n | " + " | ".join(f"@{k}" for k in self.recall) + " |",
                  "|---|---|" + "---|" * len(self.recall)]
        for qtype, row in sorted(self.by_type.items()):
            lines.append(f"| {qtype} | {int(row['n'])} | "
                         + " | ".join(f"{row[f'@{k}']:.3f}" for k in self.recall) + " |")
        lines += ["", "| measure | value |", "|---|---|",
                  f"| gold quote in a passage cited by the k=5 answer | {x['cited_at_5']:.3f} |",
                  f"| answer's first sentence holds a gold quote's content "
                  f"| {x['first_sentence_holds_gold']:.3f} |",
                  f"| false \"not found\" on answerable | {x['false_not_found']:.3f} |",
                  f"| unanswerable answered \"not found\" "
                  f"| {x['unanswerable_not_found']:.3f} |"]
        lines += [f"| - {r} (n={v['n']}) | {v['not_found']:.3f} |"
                  for r, v in x["unanswerable_by_reason"].items()]
        lines += [f"| recall@5, {s} (n={v['n']}) | {v['@5']:.3f} |"
                  for s, v in x["by_source"].items()]
        if x["gold_documents_missing"]:
            lines += ["", f"Warning: {len(x['gold_documents_missing'])} gold documents are "
                      "not in the library (their questions count as misses): "
                      + ", ".join(x["gold_documents_missing"][:10])]
        lat = self.latency_ms
        lines += ["", f"Time per k=5 answer: median {lat['p50']:.0f} ms, p95 {lat['p95']:.0f} "
                  f"ms, max {lat['max']:.0f} ms.", ""]
        if "generative" in x:
            lines += generative_markdown(x["generative"])
        return "\n".join(lines)


__all__ = ["QuestionsReport", "eval_questions", "first_sentence_holds", "holds",
           "normalise", "read_questions", "select"]
