"""Speaker attribution: do the turns Earnest extracts match the source's turns?

    uv run python bench/speakers.py [--data ../shared/data]

The expected turns are derived independently of Earnest's parser, from each transcript's own
participant list: in a Motley Fool text, a turn starts at a line that repeats a line of the
"Call participants:" list verbatim (or reads "Operator"); in a StreetEvents PDF, at a line
that starts with a name from the "Corporate Participants" / "Conference Call Participants"
lists followed by a comma, or "Operator", and ends with a bracketed turn number (on that line
or, where a long title wraps, the next). Earnest's
turns come from its reader and ``earnest.structure.find_turns``. Score: the share of expected
turns matched in order by speaker name (difflib), and the share of extracted turns that are
expected (precision)."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

from earnest.readers import read_document
from earnest.structure import find_turns

ROOT = Path(__file__).resolve().parents[1]


def expected_motleyfool(text: str) -> list[str]:
    body, _, tail = text.partition("\nCall participants:")
    people = {line.strip() for line in tail.splitlines() if line.strip()}
    names = {p: p.split(" -- ")[0].strip() for p in people}
    out = []
    for line in body.splitlines():
        line = line.strip()
        if line == "Operator":
            out.append("Operator")
        elif line in names:
            out.append(names[line])
    return out


def expected_streetevents(text: str) -> list[str]:
    head = text.split("\nPresentation\n")[0]
    people = re.findall(r"^\* (.+)$", head, re.M)
    out = []
    lines = [line.strip() for line in text.splitlines()]
    for i, line in enumerate(lines):
        if not line.endswith("]"):
            # A speaker line whose title wraps: its turn number ends the next line.
            if i + 1 < len(lines) and re.search(r"\[\d+\]$", lines[i + 1]) and any(
                    line.startswith(name.strip() + ",") for name in people) and not any(
                    lines[i + 1].startswith(name.strip() + ",") for name in people):
                line = f"{line} {lines[i + 1]}"
            else:
                continue
        if re.fullmatch(r"Operator \[\d+\]", line):
            out.append("Operator")
            continue
        for name in people:
            if line.startswith(name.strip() + ","):
                out.append(name.strip())
                break
    return out


def score(expected: list[str], got: list[str]) -> tuple[int, int, int]:
    matcher = difflib.SequenceMatcher(None, expected, got, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return matched, len(expected), len(got)


def run(files: list[Path], expect) -> dict:
    matched = total = extracted = 0
    worst: list[tuple[float, str]] = []
    for path in files:
        doc = read_document(path.read_bytes(), path.name)
        text = "\n".join(p.text for p in doc.pages)
        turns, _ = find_turns(doc.pages)
        exp = expect(text)
        m, e, g = score(exp, [t.speaker.name for t in turns])
        matched, total, extracted = matched + m, total + e, extracted + g
        worst.append((m / max(e, 1), path.name))
    worst.sort()
    return {"files": len(files), "expected_turns": total, "extracted_turns": extracted,
            "recall": round(matched / max(total, 1), 4),
            "precision": round(matched / max(extracted, 1), 4), "worst": worst[:3]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    mf = sorted((args.data / "transcripts/motleyfool/transcripts").glob("*.txt"))
    se = sorted((args.data / "transcripts/refinitiv").glob("*.pdf"))
    if not mf and not se:
        sys.exit(f"no transcripts under {args.data}")
    for name, files, expect in (("motleyfool", mf, expected_motleyfool),
                                ("refinitiv", se, expected_streetevents)):
        r = run(files, expect)
        print(f"{name}: {r['files']} transcripts, {r['expected_turns']} expected turns, "
              f"{r['extracted_turns']} extracted; turns matched in order: recall "
              f"{r['recall']:.4f}, precision {r['precision']:.4f}; lowest: {r['worst']}",
              flush=True)


if __name__ == "__main__":
    main()
