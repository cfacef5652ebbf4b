"""`earnest eval`: retrieval quality on real data, over one shared library.

financebench: evidence-page recall@k: a question counts at k when one of its gold
(document, page) pairs is among the first k distinct pages of the answer's ranked evidence
(the answer is asked for EVIDENCE_K passages, so a page with two good passages does not use
up two places).
facts: numeric-fact recall@k: a fact counts at k when the first k passages of its transcript
among the evidence hold every withheld number."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Callable

from earnest.errors import EarnestError, InputError
from earnest.eval_report import EvalReport
from earnest.eval_split import describe, load_splits, named, select_facts, select_financebench
from earnest.figures import contains_numbers, number_tokens, stated_table_scale
from earnest.figures.periods import STRICT_LABEL
from earnest.models import Answer, DocumentMetadata
from earnest.service import Earnest

KS = (1, 3, 5, 10)
EVIDENCE_K = 20


def ranked_pages(answer: Answer) -> list[tuple[str, int]]:
    """Distinct (document, page) in the order the answer ranks its evidence."""
    out: dict[tuple[str, int], None] = {}
    for p in answer.passages:
        for page in range(p.page_start, p.page_end + 1):
            out.setdefault((p.doc_name, page), None)
    return list(out)


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1),
            "max": round(ordered[-1], 1)}


def _summarise(name: str, hits: list[int | None], types: list[str], latencies: list[float],
               rows: list[dict[str, Any]], extra: dict[str, Any]) -> EvalReport:
    """``hits``: 1-based rank of the first hit per question, or None."""
    n = max(len(hits), 1)
    recall = {k: sum(1 for h in hits if h is not None and h <= k) / n for k in KS}
    mrr = sum(1 / h for h in hits if h) / n
    by_type: dict[str, dict[str, float]] = {}
    grouped: dict[str, list[int | None]] = defaultdict(list)
    for qtype, hit in zip(types, hits):
        grouped[qtype].append(hit)
    for qtype, group in grouped.items():
        by_type[qtype] = {"n": len(group), **{
            f"@{k}": round(sum(1 for h in group if h is not None and h <= k) / len(group), 4)
            for k in KS}}
    return EvalReport(name, len(hits), recall, mrr, by_type, _percentiles(latencies),
                      extra, rows)


def _first_rank(ranked: list[Any], gold: Callable[[Any], bool]) -> int | None:
    return next((i + 1 for i, item in enumerate(ranked) if gold(item)), None)


def eval_financebench(lib: Earnest, data_dir: Path, *, limit: int | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      llm: bool | None = None, split: str = "all") -> EvalReport:
    questions = select_financebench(_read_jsonl(data_dir / "questions.jsonl"), data_dir,
                                    split)[:limit]
    llm = lib.llm_configured if llm is None else llm
    answers: list[Answer] = []
    aliases = _content_aliases(lib, corpus_dir("financebench", data_dir))
    hits, doc_hits, types, latencies, rows = [], [], [], [], []
    for i, q in enumerate(questions):
        t0 = time.perf_counter()
        answer = lib.ask(q["question"], k=EVIDENCE_K, llm=llm)
        latencies.append((time.perf_counter() - t0) * 1000)
        answers.append(answer)
        pages = ranked_pages(answer)
        gold = {(aliases.get(name, name), int(e["evidence_page_num"]) + 1)
                for e in q["evidence"] for name in [e.get("doc_name", q["doc_name"])]}
        gold_docs = {d for d, _ in gold}
        hit = _first_rank(pages, lambda x: x in gold)
        docs_ranked = list(dict.fromkeys(d for d, _ in pages))
        doc_hit = _first_rank([d for d, _ in pages], lambda d: d in gold_docs)
        hits.append(hit)
        doc_hits.append(doc_hit)
        types.append(q.get("question_type", "unknown"))
        rows.append({"id": q.get("financebench_id"), "question": q["question"],
                     "gold": sorted(gold), "hit_rank": hit, "doc_hit_rank": doc_hit,
                     "top_pages": pages[:5], "top_docs": docs_ranked[:3],
                     "status": answer.status, **_generated(answer)})
        if progress:
            progress(i + 1, len(questions))
    n = max(len(doc_hits), 1)
    doc_recall = {f"@{k}": round(sum(1 for h in doc_hits if h and h <= k) / n, 4) for k in KS}
    extra: dict[str, Any] = {"metric": "evidence-page recall", "document_recall": doc_recall,
                             "library": str(lib.home), **embedded_note(lib),
                             **split_note(split, "financebench")}
    if llm:
        extra["generative"] = generative_summary(answers)
    return _summarise(named("financebench", split), hits, types, latencies, rows, extra)


def embedded_note(lib: Earnest) -> dict[str, Any]:
    """How many of the library's passages have vectors: two runs compare only when the
    shares match (a partly embedded "keyword-only" library searches some documents densely)."""
    stats = lib.store.stats()
    return {"passages": stats["chunks"], "embedded": stats["embedded"]}


def split_note(split: str, set_name: str) -> dict[str, Any]:
    return describe(None if split == "all" else load_splits(), split, (set_name,))


def _content_aliases(lib: Earnest, folder: Path) -> dict[str, str]:
    """File stem -> the name its content is stored under: a file whose bytes equal another's
    is ingested once, and gold labels naming the copy count the stored document."""
    import hashlib

    out = {}
    for path in folder.glob("*"):
        if path.is_file():
            info = lib.store.find_by_hash(hashlib.sha256(path.read_bytes()).hexdigest())
            if info is not None and info.doc_name != path.stem:
                out[path.stem] = info.doc_name
    return out


def opaque_copy(folder: Path, dest: Path) -> Path:
    """The files of ``folder`` under names that carry nothing (``doc-<hash>.<ext>``), so
    that what Earnest knows of a document comes from its text alone."""
    import hashlib
    import shutil

    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.iterdir()):
        if path.is_file():
            digest = hashlib.sha256(path.name.encode()).hexdigest()[:10]
            target = dest / f"doc-{digest}{path.suffix.lower()}"
            if not target.exists():
                shutil.copyfile(path, target)
    return dest


def fact_question(doc_name: str, fact: str, numbers: list[str]) -> str:
    """Ask about a fact with its numbers withheld:
    ("AAN_q1_2021", "q1 revenue rose 11.1 percent to $481.1 million.") ->
    "AAN Q1 2021: q1 revenue rose what percent to $what million?"."""
    text = fact.strip().rstrip(".")
    for number in sorted(numbers, key=len, reverse=True):
        variants = {number}
        if _is_float(number):
            value = float(number.replace(",", ""))
            variants.add(f"{value:,.0f}" if value.is_integer() else f"{value:,}")
        for variant in variants:
            text = re.sub(rf"(?<![\d.,]){re.escape(variant)}(?![\d])", "what", text)
    parts = doc_name.split("_")
    title = " ".join([parts[0].upper(), *[p.upper() for p in parts[1:]]])
    return f"{title}: {text}?"


def _is_float(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False


def eval_facts(lib: Earnest, data_dir: Path, *, limit: int | None = None,
               progress: Callable[[int, int], None] | None = None,
               llm: bool | None = None, split: str = "all") -> EvalReport:
    facts = select_facts(_read_jsonl(data_dir / "facts.jsonl"), data_dir, split)[:limit]
    llm = lib.llm_configured if llm is None else llm
    answers: list[Answer] = []
    aliases = _content_aliases(lib, corpus_dir("facts", data_dir))
    hits, types, latencies, rows = [], [], [], []
    for i, f in enumerate(facts):
        question = fact_question(f["doc_name"], f["fact"], f["numbers"])
        stored = aliases.get(f["doc_name"], f["doc_name"])
        t0 = time.perf_counter()
        answer = lib.ask(question, k=max(KS), llm=llm)
        latencies.append((time.perf_counter() - t0) * 1000)
        answers.append(answer)
        own = [p for p in answer.passages if p.doc_name == stored]
        ranked = answer.passages
        hit = _first_rank(ranked, lambda p: p.doc_name == stored
                          and contains_numbers(p.text, f["numbers"]))
        hits.append(hit)
        types.append("fact")
        rows.append({"doc_name": f["doc_name"], "fact": f["fact"], "question": question,
                     "hit_rank": hit, "own_passages": len(own),
                     "top_docs": list(dict.fromkeys(p.doc_name for p in ranked))[:3],
                     **_generated(answer)})
        if progress:
            progress(i + 1, len(facts))
    extra: dict[str, Any] = {"metric": "numeric-fact recall", "library": str(lib.home),
                             **embedded_note(lib),
                             **split_note(split, "motleyfool")}
    if llm:
        extra["generative"] = generative_summary(answers)
    return _summarise(named("facts", split), hits, types, latencies, rows, extra)


def _generated(answer: Answer) -> dict[str, Any]:
    """Per-question columns of a generative run."""
    if answer.verification is None and answer.usage is None:
        return {}
    return {"answerer": answer.answerer, "answer": answer.answer,
            "verification": answer.verification.counts() if answer.verification else {},
            "usage": answer.usage.to_dict() if answer.usage else None}


# -- an independent, strict re-check of what was shown as verified ------------------------
# Not the verifier's rules: every number of a verified sentence must be in a cited quote at
# the same scale and unit (format and rounding aside), a bare quote figure counting as scaled
# only under an explicit heading ("(In millions)") in its passage; or be a computation the
# verifier recorded whose operands pass the same test and whose result re-computes.
_FORMULA = re.compile(r"^(?:\((?P<ga>.+?) - (?P<gb>.+?)\) / (?P=gb)|(?P<a>.+?) (?P<op>[-+/]) "
                      r"(?P<b>.+?)) = -?[\d.]+(?P<unit> bps| percentage points|%)?(?: \[\d+\])?$")
_LIST_NUMBER = re.compile(r"^\s*(?:[-*•]\s*)?\d{1,2}[.)]\s+(?=\D)")  # "1. Revenue ..."


@dataclass(slots=True, frozen=True)
class _Num:
    text: str
    mantissa: Decimal
    places: int
    scale: int  # from its own scale word
    percent: bool
    year: bool


def _strict_numbers(text: str) -> list[_Num]:
    """Numbers as written; quarter labels (Q3), ordinals, form names and fiscal-year labels
    are left out (years are checked as years)."""
    out = [_Num(y, Decimal(y), 0, 0, False, True)
           for y in re.findall(r"(?<![\d.,])(?:19|20)\d\d(?![\d,]|\.\d)",
                               " ".join(m.group(0) for m in STRICT_LABEL.finditer(text)))]
    text = STRICT_LABEL.sub(lambda m: " " * len(m.group(0)), text)
    out += [_Num(t.match.group(0).strip(), t.mantissa, t.places, t.scale, t.percent, t.year)
            for t in number_tokens(text)]
    return out


def _readings(n: _Num, heading: int | None) -> list[Decimal]:
    """The values a quote's number may stand for: as written, and for a bare figure under an
    explicit heading, in that heading's scale."""
    values = [n.mantissa.scaleb(n.scale)]
    if heading and not n.scale and not n.percent:
        values.append(n.mantissa.scaleb(heading))
    return values


def _fits(value: Decimal, n: _Num) -> bool:
    """``value`` (in units) is ``n`` as written, or rounds to it at its precision."""
    unit = abs(value.scaleb(-n.scale))
    if unit == n.mantissa:
        return True
    # rounding, not approximation: "$2 billion" is not 1,577 million
    q = unit.quantize(Decimal(1).scaleb(-n.places), rounding=ROUND_HALF_UP)
    return q == n.mantissa and abs(unit - n.mantissa) <= Decimal("0.05") * n.mantissa


def _in_quotes(n: _Num, quotes: list[tuple[str, int | None, str]]) -> bool:
    """``n`` in one of ``quotes`` (text, heading scale, document name) at its scale and unit."""
    for text, heading, doc_name in quotes:
        if n.year:
            if n.text in text or n.text in doc_name:
                return True
            continue
        for q in _strict_numbers(text):
            if q.year or q.percent != n.percent:
                continue
            if any(_fits(v, n) for v in _readings(q, heading)):
                return True
    return False


def _recomputes(n: _Num, computation: str, quotes: list[tuple[str, int | None, str]]) -> bool:
    """The verifier's formula for ``n``: its operands are in the quotes and it gives ``n``."""
    m = _FORMULA.match(computation)
    if not m:
        return False
    texts = [m.group("ga"), m.group("gb")] if m.group("ga") else [m.group("a"), m.group("b")]
    operands = [_strict_numbers(t) for t in texts]
    if any(len(o) != 1 or not _in_quotes(o[0], quotes) for o in operands):
        return False
    (a,), (b,) = operands
    unit = m.group("unit") or ""
    heading = next((h for _, h, _ in quotes if h), None)
    xs, ys = _readings(a, heading), _readings(b, heading)
    # bare figures of one table share its scale: as written together, or scaled together
    combos = list(zip(xs, ys)) if len(xs) == len(ys) else [(x, y) for x in xs for y in ys]
    for x, y in combos:
        if m.group("ga"):
            result = (x - y) / y * 100 if y else None
        elif m.group("op") in "-+":
            result = x - y if m.group("op") == "-" else x + y
        else:
            result = x / y * (100 if n.percent else 1) if y else None
        if result is not None and _fits(result * (100 if unit == " bps" else 1), n):
            return True
    return False


def _strict_misses(answer: Answer) -> tuple[int, int]:
    """(numbers in sentences shown as verified that fail the strict re-check, numbers
    re-checked)."""
    contexts = {p.chunk_id: p.context for p in answer.passages}
    quotes_by = {c.number: (c.quote, _heading(c.quote, contexts.get(c.chunk_id, "")),
                            c.doc_name) for c in answer.citations}
    misses = checked = 0
    for d in answer.verification.details if answer.verification else []:
        if d.status != "verified":
            continue
        quotes = [quotes_by[n] for n in d.citations if n in quotes_by]
        computed = {x.text: x.computation for x in d.numbers if x.computation}
        for n in _strict_numbers(_LIST_NUMBER.sub("", d.text)):
            checked += 1
            if not (_in_quotes(n, quotes) or n.text in computed
                    and _recomputes(n, computed[n.text], quotes)):
                misses += 1
    return misses, checked


def _heading(quote: str, context: str) -> int | None:
    return stated_table_scale(quote) or stated_table_scale(context)


def generative_summary(answers: list[Answer]) -> dict[str, Any]:
    """What the verifier did over a run of LLM answers, and what it cost."""
    v = [a.verification for a in answers if a.verification]
    usage = [a.usage for a in answers if a.usage]
    total = lambda key: sum(getattr(x, key) for x in v)  # noqa: E731
    sentences = total("sentences")
    rechecks = [_strict_misses(a) for a in answers]
    shown = [d for x in v for d in x.details if d.status in ("verified", "flagged")]
    ttft = [u.ttft_ms for u in usage if u.ttft_ms is not None]
    llm_ms = [u.llm_ms for u in usage if u.llm_ms is not None]
    return {
        "answers": len(answers),
        "answered_by_llm": sum(1 for a in answers if a.answerer == "generative"),
        "llm_errors": sum(1 for u in usage if u.error is not None),
        "fell_back_unverified": sum(1 for a in answers if a.verification and
                                    a.answerer != "generative"),
        "model_abstained": sum(1 for a in answers if a.answerer == "generative"
                               and a.status == "not_found"),
        "sentences": sentences, "verified": total("verified"), "flagged": total("flagged"),
        "removed": total("removed"),
        "share_verified": round(total("verified") / sentences, 4) if sentences else None,
        "unsupported_numbers_caught": total("unsupported_numbers"),
        "unflagged_numbers_rechecked": sum(c for _, c in rechecks),
        "unflagged_numbers_failing_strict_recheck": sum(m for m, _ in rechecks),
        "computed_numbers_shown": sum(1 for d in shown for n in d.numbers
                                      if n.status == "computed"),
        "rounded_numbers_shown": sum(1 for d in shown for n in d.numbers
                                     if n.status == "rounded"),
        "issues": dict(Counter(i["code"] for x in v for d in x.details
                               for i in d.issues).most_common()),
        "prompt_tokens": sum(u.prompt_tokens for u in usage),
        "completion_tokens": sum(u.completion_tokens for u in usage),
        "tokens_estimated": any(u.estimated for u in usage),
        "cost_usd": round(sum(u.cost_usd for u in usage), 6),
        "ttft_ms": _percentiles(ttft), "llm_ms": _percentiles(llm_ms),
    }


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise InputError(f"no {path.name} in {path.parent}; is this the right directory?")
    rows = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(f"line {number} is not JSON ({exc.msg})",
                                     path=str(path)) from exc
    return rows


def corpus_dir(name: str, data_dir: Path) -> Path:
    """Where the documents of an eval data directory are."""
    for sub in ("pdfs", "transcripts"):
        if (data_dir / sub).is_dir():
            return data_dir / sub
    return data_dir


_GOLD_TYPES = {"10k": "10-K", "10q": "10-Q", "8k": "8-K", "earnings": "earnings_release"}


def eval_metadata(lib: Earnest, data_dir: Path, *, limit: int | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  llm: bool | None = None) -> EvalReport:
    """Extracted company, document type and fiscal year against documents.jsonl.

    Company counts when one name contains the other after dropping suffixes (Inc, Co, ...);
    fiscal year compares the extracted ``fiscal_year`` with ``doc_period``."""
    from earnest.metadata import company_aliases, company_key

    gold = _read_jsonl(data_dir / "documents.jsonl")[:limit]
    known = company_aliases(lib.documents())
    aliases = _content_aliases(lib, corpus_dir("metadata", data_dir))
    fields = {"company": [], "doc_type": [], "fiscal_year": []}
    as_stated = []
    rows = []
    for i, g in enumerate(gold):
        name = aliases.get(g["doc_name"], g["doc_name"])
        try:
            meta = lib.document(name).metadata  # as extracted, not as corrected
        except EarnestError:
            meta = DocumentMetadata()
        want = company_key(g["company"])

        def same(name: str) -> bool:
            got = company_key(name)
            return bool(got) and (want in got or got in want)
        as_stated.append(same(meta.company or ""))
        checks = {"company": any(same(n) for n in known.get(name, {meta.company or ""})),
                  "doc_type": meta.doc_type == _GOLD_TYPES.get(g["doc_type"].lower()),
                  "fiscal_year": meta.fiscal_year == g["doc_period"]}
        for key, ok in checks.items():
            fields[key].append(ok)
        rows.append({"doc_name": g["doc_name"], **checks, "extracted": {
            k: meta.get(k) for k in ("company", "ticker", "doc_type", "fiscal_period")},
            "gold": {k: g[k] for k in ("company", "doc_type", "doc_period")}})
        if progress:
            progress(i + 1, len(gold))
    n = max(len(gold), 1)
    accuracy = {k: round(sum(v) / n, 4) for k, v in fields.items()}
    all_ok = round(sum(all(r[k] for k in fields) for r in rows) / n, 4)
    report = EvalReport("metadata", len(gold), {}, 0.0, {}, _percentiles([]),
                        {"metric": "metadata accuracy", "accuracy": accuracy,
                         "company_as_stated": round(sum(as_stated) / n, 4),
                         "all_fields": all_ok, "library": str(lib.home)}, rows)
    return report


EVALS: dict[str, Callable[..., EvalReport]] = {
    "financebench": eval_financebench, "facts": eval_facts, "metadata": eval_metadata}

__all__ = ["EVALS", "EvalReport", "corpus_dir", "fact_question", "generative_summary",
           "ranked_pages"]
