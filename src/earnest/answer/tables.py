"""What a quoted table row needs beside its figures: its unit, its column headings (the
periods) and the heading of the group it sits in (a region, a segment)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from earnest.lexicon import tokens

_UNIT = re.compile(r"\((?:[a-z$ ]*\bin |amounts in )?(?:millions|thousands|billions)\b[^)]*\)|"
                   r"\b(?:in|dollars in|amounts in) (?:millions|thousands|billions)\b", re.I)
_HEADER_CELL = re.compile(r"\b(?:(?:19|20)\d\d|Q[1-4]|FY\s?'?\d\d(?:\d\d)?|millions?|"
                          r"thousands?|weeks? ended|months ended|years? ended)\b", re.I)
_NUMBER = re.compile(r"\(?[$€£]?\d[\d,]*(?:\.\d+)?%?\)?")
_LABEL_END = re.compile(r"\s*(?:\(\d{1,2}\)\s*)?[($€£]*\s*[-–—]?\d")
_TOTAL = re.compile(r"^\s*(?:total|consolidated|company[- ]wide|worldwide|all segments)\b",
                    re.I)
# Page furniture printed between a table and its headings: not a group name.
_FURNITURE = re.compile(r"^(?:table of contents|index|contents|page \d+(?: of \d+)?|\d{1,3}|"
                        r".*\bform 10-?[kq]\b.*|continued|\(continued\))$", re.I)
_LOOK_BACK = 25  # lines above a row searched for its headings


@dataclass(slots=True, frozen=True)
class RowContext:
    label: str  # the row's own words, before its first figure
    unit: str | None  # "(in thousands)"
    columns: str | None  # "2022 2021 2020"
    group: str | None  # "Latin America (LATAM)"

    def describe(self) -> str:
        """What a reader needs beside the row: "Latin America (LATAM); in thousands;
        columns 2022 2021 2020"."""
        parts = [self.group or ""]
        if self.unit:
            parts.append(self.unit.strip("()"))
        if self.columns:
            parts.append(f"columns {self.columns}")
        return "; ".join(p for p in parts if p)

    @property
    def is_total(self) -> bool:
        return bool(_TOTAL.match(self.label) or (self.group and _TOTAL.match(self.group)))


def row_label(row: str) -> str:
    m = _LABEL_END.search(row)
    return (row[:m.start()] if m else row).strip(" :$")


def _is_row(line: str) -> bool:
    words = line.split()
    # an empty cell prints as a dash
    numbers = sum(1 for w in words if _NUMBER.fullmatch(w.strip(",;:")) or w in ("-", "—", "–"))
    return numbers >= 2 and numbers * 3 >= len(words) - numbers


def _is_header(line: str) -> bool:
    """A column-heading line ("2022 2021 2020", "As of/ Year Ended December 31,")."""
    words = [w for w in tokens(line) if not w.isdigit()]
    return len(_HEADER_CELL.findall(line)) >= 1 and len(words) <= 8 or not words


def _is_group_heading(line: str) -> bool:
    """A short line naming what the rows below belong to: no figures, no sentence end
    ("Latin America (LATAM)", "Operating expenses:")."""
    if not line or len(line.split()) > 10 or line.endswith((".", ";", "?", "!", ",")):
        return False
    if _NUMBER.search(line.replace("(", " ").replace(")", " ")) and not _is_group_name(line):
        return False
    return bool(re.search(r"[A-Za-z]{3,}", line)) and line[:1].isupper()


def _is_group_name(line: str) -> bool:
    return not re.search(r"\d", re.sub(r"\([^)]*\)", "", line))


def row_context(before: str, row: str, headings: str = "") -> RowContext:
    """The headings of the table row ``row``, read from ``before`` (the text above it in the
    passage) and, for what the page's top holds, the page ``headings``."""
    lines = [ln.strip() for ln in before.split("\n") if ln.strip()][-_LOOK_BACK:]
    unit = columns = group = None
    passed_header = False
    for line in reversed(lines):
        if _FURNITURE.match(line):
            continue
        if unit is None and (m := _UNIT.search(line)):
            unit = m.group(0)
        if _is_row(line) and not _is_header(line):
            if passed_header:
                break  # the table above this one
            continue
        if _is_header(line) or len(_HEADER_CELL.findall(line)) >= 2:
            if columns is None and len(_HEADER_CELL.findall(line)) >= 2 and len(line) < 160:
                columns = line
            passed_header = True
            continue
        if _is_group_heading(line):
            group = line.rstrip(":")
            break
        break  # prose: the table starts below it
    if unit is None and (m := _UNIT.search(headings)):
        unit = m.group(0)
    return RowContext(label=row_label(row), unit=unit, columns=columns, group=group)
