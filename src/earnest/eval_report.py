"""How an eval's results are shown: the report record, its JSON and Markdown, the
side-by-side of two runs and the files written. The scoring is ``earnest.evaluation``'s."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class EvalReport:
    name: str
    questions: int
    recall: dict[int, float]
    mrr: float
    by_type: dict[str, dict[str, float]]
    latency_ms: dict[str, float]
    extra: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "questions": self.questions,
                "recall": {f"@{k}": round(v, 4) for k, v in self.recall.items()},
                "mrr": round(self.mrr, 4), "by_type": self.by_type,
                "latency_ms": self.latency_ms, **self.extra, "rows": self.rows}

    def markdown(self) -> str:
        if "accuracy" in self.extra:
            acc = self.extra["accuracy"]
            lines = [f"# earnest eval {self.name}", "", f"{self.questions} documents; library: "
                     f"{self.extra.get('library', '')}", "", "| field | accuracy |", "|---|---|"]
            lines += [f"| {k} | {v:.3f} |" for k, v in acc.items()]
            lines += [f"| all three | {self.extra['all_fields']:.3f} |", "",
                      "company: the document's own name or another name its registrant "
                      "goes by in the library (same SEC file number or ticker); the name as "
                      f"stated alone: {self.extra['company_as_stated']:.3f}.", "",
                      "Mismatches:", ""]
            lines += [f"- {r['doc_name']}: extracted {r['extracted']}, labelled {r['gold']}"
                      for r in self.rows if not all(r[k] for k in acc)]
            return "\n".join(lines) + "\n"
        lines = [f"# earnest eval {self.name}", "",
                 f"{self.questions} questions; library: {self.extra.get('library', '')}; "
                 f"split: {self.extra.get('split', 'all')}", "",
                 *[f"Companies in this part ({k}): {', '.join(v)}" for k, v in
                   self.extra.get("split_companies", {}).items()],
                 *([""] if self.extra.get("split_companies") else []),
                 "| metric | " + " | ".join(f"@{k}" for k in self.recall) + " | MRR |",
                 "|---|" + "---|" * (len(self.recall) + 1),
                 f"| {self.extra.get('metric', 'recall')} | "
                 + " | ".join(f"{v:.3f}" for v in self.recall.values())
                 + f" | {self.mrr:.3f} |"]
        for key, value in self.extra.items():
            if key.endswith("_recall") and isinstance(value, dict):
                lines.append(f"| {key} | " + " | ".join(f"{value.get(f'@{k}', 0):.3f}"
                                                         for k in self.recall) + " | |")
        lines += ["", "| type | n | " + " | ".join(f"@{k}" for k in self.recall) + " |",
                  "|---|---|" + "---|" * len(self.recall)]
        for qtype, row in sorted(self.by_type.items()):
            lines.append(f"| {qtype} | {int(row['n'])} | "
                         + " | ".join(f"{row[f'@{k}']:.3f}" for k in self.recall) + " |")
        lat = self.latency_ms
        lines += ["", f"Time per query: median {lat['p50']:.0f} ms, p95 {lat['p95']:.0f} ms, "
                  f"max {lat['max']:.0f} ms.", ""]
        if "generative" in self.extra:
            lines += generative_markdown(self.extra["generative"])
        return "\n".join(lines)


def generative_markdown(g: dict[str, Any]) -> list[str]:
    share = "n/a" if g["share_verified"] is None else f"{g['share_verified']:.3f}"
    rows = [
        ("answers by the LLM / LLM errors / unverifiable, extractive shown / model abstained",
         f"{g['answered_by_llm']} / {g['llm_errors']} / {g['fell_back_unverified']} / "
         f"{g['model_abstained']}"),
        ("generated sentences", g["sentences"]),
        ("verified / flagged / removed", f"{g['verified']} / {g['flagged']} / {g['removed']}"),
        ("share of sentences verified", share),
        ("unsupported numbers caught (flagged or removed)", g["unsupported_numbers_caught"]),
        ("why sentences failed", ", ".join(f"{k} {n}" for k, n in g["issues"].items()) or "-"),
        ("numbers in verified sentences not in the cited quotes at the same scale and unit, "
         "nor re-computable from them (strict re-check)",
         f"{g['unflagged_numbers_failing_strict_recheck']} of "
         f"{g['unflagged_numbers_rechecked']}"),
        ("computed / rounded numbers shown", f"{g['computed_numbers_shown']} / "
         f"{g['rounded_numbers_shown']}"),
        ("tokens (prompt + completion)" + (", estimated" if g["tokens_estimated"] else ""),
         f"{g['prompt_tokens']} + {g['completion_tokens']}"),
        ("cost", f"${g['cost_usd']:.4f}"),
        ("time to first token, median", f"{g['ttft_ms']['p50']:.0f} ms"),
        ("LLM time, median", f"{g['llm_ms']['p50']:.0f} ms"),
    ]
    return ["## Generative answers", "", "| measure | value |", "|---|---|",
            *[f"| {k} | {v} |" for k, v in rows], ""]


def side_by_side(original: EvalReport, opaque: EvalReport) -> str:
    """Recall with the original file names next to recall with opaque ones."""
    lines = ["| recall | original names | opaque names | ratio |", "|---|---|---|---|"]
    for k, value in original.recall.items():
        other = opaque.recall.get(k, 0.0)
        ratio = f"{other / value:.3f}" if value else "-"
        lines.append(f"| @{k} | {value:.3f} | {other:.3f} | {ratio} |")
    shares = [(r.extra.get("embedded"), r.extra.get("passages")) for r in (original, opaque)]
    if shares[0] != shares[1]:
        lines += ["", "Not comparable: passages embedded " + " vs ".join(
            f"{e} of {n}" for e, n in shares) + " (the runs search differently)."]
    return "\n".join(lines) + "\n"


def write_reports(report: EvalReport, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"eval-{report.name}.json"
    md_path = out_dir / f"eval-{report.name}.md"
    json_path.write_text(json.dumps(report.to_dict(), indent=2, default=str), encoding="utf-8")
    md_path.write_text(report.markdown(), encoding="utf-8")
    return json_path, md_path
