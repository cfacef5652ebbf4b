"""The held-out discipline: each development set is split by company into a tuning part and a
held-out part, by a fixed rule that never looks at scores (issue 10, item 3).

Rule: the companies of a set (FinanceBench by `company` in documents.jsonl; transcripts by
ticker, from a Motley Fool file's title line or a Refinitiv file's name DATE-TICKER) are
sorted by sha256("earnest-split:" + KEY); the first ceil(n/2) are `tune`, the rest `holdout`.
The result is committed in eval/splits.json; `build_splits` re-derives it (a test checks that
the committed file is what the rule gives)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any, Iterable

from earnest.errors import InputError

SALT = "earnest-split:"
PARTS = ("tune", "holdout")
SPLITS_FILE = Path(__file__).resolve().parents[2] / "eval" / "splits.json"
RULE = ("sort the set's company keys by sha256('earnest-split:' + KEY) (hex, ascending); the "
        "first ceil(n/2) are tune, the rest holdout")
_TITLE = re.compile(r"^\s*([A-Z][A-Z0-9.\-]{0,9})\s+Q[1-4]\s+\d{4}\b")
_REFINITIV = re.compile(r"^\d{4}-\d{2}-\d{2}-([A-Z][A-Z0-9.\-]*)$")


def assign(keys: Iterable[str]) -> dict[str, list[str]]:
    """{"tune": [...], "holdout": [...]} by the rule, each in rule order."""
    ordered = sorted(set(keys), key=lambda k: hashlib.sha256((SALT + k).encode()).hexdigest())
    cut = math.ceil(len(ordered) / 2)
    return {"tune": ordered[:cut], "holdout": ordered[cut:]}


def financebench_companies(data_dir: Path) -> dict[str, str]:
    """doc_name -> company, from FinanceBench's documents.jsonl."""
    path = data_dir / "documents.jsonl"
    if not path.exists():
        raise InputError(f"no documents.jsonl in {data_dir}: the FinanceBench split needs it")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return {r["doc_name"]: r["company"] for r in rows}


def transcript_ticker(path: Path) -> str | None:
    """The ticker of a development transcript: a Refinitiv file's name (DATE-TICKER.pdf), or
    a Motley Fool file's title line ("AAN Q1 2021 Earnings Call Transcript")."""
    m = _REFINITIV.match(path.stem)
    if m:
        return m.group(1)
    if path.suffix.lower() in (".txt", ".md") and path.exists():
        with path.open(encoding="utf-8", errors="replace") as fh:
            m = _TITLE.match(fh.readline())
        return m.group(1) if m else None
    return None


def build_splits(data_root: Path, not_held: Iterable[str] = ()) -> dict[str, Any]:
    """The split of every development set under ``data_root`` (../shared/data), plus
    ``not_held``: tickers of companies the library does not hold that unanswerable questions
    name, split by the same rule so those questions have a part too."""
    fb = financebench_companies(data_root / "financebench")
    refinitiv = {transcript_ticker(p) for p in (data_root / "transcripts" / "refinitiv")
                 .glob("*.pdf")} - {None}
    fool = {transcript_ticker(p) for p in (data_root / "transcripts" / "motleyfool" /
                                           "transcripts").glob("*.txt")} - {None}
    sets = {"financebench": ("company (financebench/documents.jsonl)", set(fb.values())),
            "refinitiv": ("ticker (file name DATE-TICKER.pdf)", refinitiv),
            "motleyfool": ("ticker (the transcript's title line)", fool),
            "not_held": ("ticker of a company no development set holds (unanswerable "
                         "transcript questions)", set(not_held))}
    return {"rule": RULE, **{name: {"key": key, **assign(keys)}
                             for name, (key, keys) in sets.items()}}


def load_splits(path: Path | None = None) -> dict[str, Any]:
    path = path or SPLITS_FILE
    if not path.exists():
        raise InputError(f"no split file at {path}; --split needs the repository's "
                         "eval/splits.json")
    return json.loads(path.read_text(encoding="utf-8"))


def check_split(split: str) -> str:
    if split not in ("all", *PARTS):
        raise InputError(f"--split takes tune, holdout or all, got {split!r}")
    return split


def part_of(splits: dict[str, Any], set_name: str, key: str | None) -> str | None:
    """"tune", "holdout", or None for a key the set does not list."""
    entry = splits.get(set_name, {})
    return next((p for p in PARTS if key in entry.get(p, [])), None)


def in_split(splits: dict[str, Any], split: str, set_name: str, key: str | None) -> bool:
    return split == "all" or part_of(splits, set_name, key) == split


def select_financebench(questions: list[dict[str, Any]], data_dir: Path, split: str
                        ) -> list[dict[str, Any]]:
    """FinanceBench questions of one part, by the company of the question's document."""
    if check_split(split) == "all":
        return questions
    splits, company = load_splits(), financebench_companies(data_dir)
    return [q for q in questions
            if in_split(splits, split, "financebench", company.get(q["doc_name"]))]


def select_facts(facts: list[dict[str, Any]], data_dir: Path, split: str
                 ) -> list[dict[str, Any]]:
    """Transcript facts of one part, by the ticker of the fact's transcript."""
    if check_split(split) == "all":
        return facts
    splits = load_splits()
    tickers: dict[str, str | None] = {}
    for f in facts:
        name = f["doc_name"]
        if name not in tickers:
            path = data_dir / "transcripts" / f"{name}.txt"
            tickers[name] = transcript_ticker(path) or name.split("_")[0].upper()
    return [f for f in facts if in_split(splits, split, "motleyfool", tickers[f["doc_name"]])]


def named(name: str, split: str) -> str:
    """A report's name: its split is part of it, so runs of two parts do not overwrite."""
    return name if split == "all" else f"{name}-{split}"


def describe(splits: dict[str, Any] | None, split: str, set_names: Iterable[str]) -> dict:
    """What a report says about its split: the part and the companies in it."""
    if split == "all" or splits is None:
        return {"split": "all"}
    return {"split": split, "split_rule": splits.get("rule", RULE),
            "split_companies": {s: splits.get(s, {}).get(split, []) for s in set_names}}


__all__ = ["PARTS", "RULE", "SPLITS_FILE", "assign", "build_splits", "check_split",
           "describe", "financebench_companies", "in_split", "load_splits", "named",
           "part_of", "select_facts", "select_financebench", "transcript_ticker"]
