"""`earnest cost`: what a day of questions costs, from what this library measured.

A question costs its LLM tokens at list price plus the machine time it takes. Tokens and
times come from the answers the library kept (each keeps its usage and stage timings);
without LLM answers the tokens are estimated from the library's passage sizes and the
settings (``llm.max_sources`` passages in the prompt, ``answer.max_sentences`` sentences out).
Machines are counted so that the day's questions keep each busy at most ``utilisation`` of the
time (peaks), and at least one machine serves Earnest itself.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from earnest.answer.generative import SYSTEM_PROMPT
from earnest.doctor import query_library
from earnest.settings import ModelPrice, Settings

VOLUMES = (100, 1_000, 10_000)
# A 2-vCPU on-demand cloud VM (the size of the machine Earnest's figures were measured on):
# AWS c7i.large, us-east-1, USD 0.08925 an hour (list price; an assumption: check yours).
MACHINE_USD_HOUR = 0.08925
UTILISATION = 0.5
CHARS_PER_TOKEN = 4  # the LLM client's own estimate for servers that send no usage
TOKENS_PER_SENTENCE = 30  # an estimate, used only when no LLM answer was measured
QUESTION_TOKENS = 25
_KEPT_ANSWERS = 2000  # the newest kept answers read


@dataclass(slots=True)
class Profile:
    """What one question takes, and where the figures came from."""

    prompt_tokens: float
    completion_tokens: float
    tokens_source: str
    extractive_s: float | None = None  # retrieval + extractive answer, median
    local_llm_s: float | None = None  # a local model's whole generation, median
    times_source: str = ""


@dataclass(slots=True)
class CostRow:
    answerer: str
    usd_per_question_tokens: float
    seconds_per_question: float | None
    per_day: dict[int, float] = field(default_factory=dict)
    machines: dict[int, int] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def kept_answers(settings: Settings) -> list[dict[str, Any]]:
    rows = query_library(settings, "select body from answers where body is not null "
                                   f"order by created_at desc limit {_KEPT_ANSWERS}")
    out = []
    for (body,) in rows:
        data = body if isinstance(body, dict) else json.loads(body)
        if isinstance(data.get("answer"), dict):
            out.append(data["answer"])
    return out


def profile(settings: Settings, answers: list[dict[str, Any]] | None = None) -> Profile:
    """Tokens and times per question: measured from kept answers, else estimated."""
    answers = kept_answers(settings) if answers is None else answers
    used = [a["usage"] for a in answers if isinstance(a.get("usage"), dict)
            and "error" not in a["usage"] and a["usage"].get("completion_tokens")]
    # Extractive time: answers that made no LLM call (an LLM answer whose sentences all
    # failed verification is shown as extractive, but took the model's time).
    extractive = [a["timings_ms"]["total"] / 1000 for a in answers
                  if a.get("answerer") == "extractive" and not a.get("usage")
                  and (a.get("timings_ms") or {}).get("total")]
    local = [u["llm_ms"] / 1000 for u in used if u.get("llm_ms") and not u.get("priced")]
    times = f"medians of {len(extractive)} extractive and {len(local)} local-LLM kept answers"
    if used:
        estimated = sum(1 for u in used if u.get("estimated"))
        source = f"measured: mean of {len(used)} LLM answers kept in this library" + (
            f" ({estimated} with counts the client estimated)" if estimated else "")
        return Profile(statistics.fmean(u["prompt_tokens"] for u in used),
                       statistics.fmean(u["completion_tokens"] for u in used), source,
                       _median(extractive), _median(local), times)
    # The headings' JSON brackets and quotes stand in for the " | " the prompt joins them with.
    chars = query_library(settings, "select avg(length(text) + length(title) + "
                          "length(headings)) from chunks")
    mean_chars = float(chars[0][0] or 0) if chars else 0.0
    k, sentences = settings.llm.max_sources, settings.answer.max_sentences
    prompt = (len(SYSTEM_PROMPT) + k * mean_chars) / CHARS_PER_TOKEN + QUESTION_TOKENS
    return Profile(prompt, sentences * TOKENS_PER_SENTENCE,
                   f"estimated: {k} passages of {mean_chars:.0f} characters on average / "
                   f"{CHARS_PER_TOKEN} characters a token, {sentences} sentences of "
                   f"{TOKENS_PER_SENTENCE} tokens (no LLM answer kept in this library yet)",
                   _median(extractive), None, times)


def cost_table(p: Profile, prices: dict[str, ModelPrice], *, volumes: tuple[int, ...] = VOLUMES,
               machine_usd_hour: float = MACHINE_USD_HOUR,
               utilisation: float = UTILISATION) -> list[CostRow]:
    """One row per answerer: extractive, a local model (free tokens, machine time) and each
    priced model (tokens at list price, plus the machine that serves Earnest)."""
    rows = [CostRow("extractive", 0.0, p.extractive_s, note="no LLM")]
    local_s = None if p.local_llm_s is None else p.local_llm_s + (p.extractive_s or 0.0)
    rows.append(CostRow("local llama.cpp (CPU)", 0.0, local_s,
                        note="tokens free; machine time" if local_s else
                        "no local LLM answer measured: machines not known"))
    for name, price in prices.items():
        usd = (p.prompt_tokens * price.input_per_mtok
               + p.completion_tokens * price.output_per_mtok) / 1e6
        rows.append(CostRow(name, usd, p.extractive_s,
                            note=f"${price.input_per_mtok:g} in / ${price.output_per_mtok:g} "
                                 "out per Mtok"))
    for row in rows:
        if row.seconds_per_question is None and row is rows[1]:
            continue  # a local model's cost is its machines; unknown without a measurement
        for n in volumes:
            busy = n * (row.seconds_per_question or 0.0) / 86400
            row.machines[n] = max(1, math.ceil(busy / utilisation))
            row.per_day[n] = round(n * row.usd_per_question_tokens
                                   + row.machines[n] * 24 * machine_usd_hour, 2)
    return rows


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


__all__ = ["CostRow", "Profile", "cost_table", "kept_answers", "profile"]
