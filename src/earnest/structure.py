"""Document structure: speaker turns and sections of earnings-call transcripts.

Two layouts are recognised line by line; anything else is treated as running text:
- "Name -- Title" / "Name -- Firm -- Analyst" / "Operator" speaker lines with
  "Prepared Remarks:" and "Questions and Answers:" headings;
- "Name, Firm - Title [n]" / "Operator [n]" with "Presentation" and
  "Questions and Answers" headings (StreetEvents style).
A StreetEvents *Event Brief* prints an OVERVIEW, FINANCIAL DATA and PRESENTATION SUMMARY
before its Q&A, the summary in parts headed with the speaker's initials ("I. Review (T.C.)"):
those are labelled as such (an edited summary, not the words said), not as the call's title
block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from earnest.chunking import Segment
from earnest.models import Page

_DASHED = re.compile(r"^(?P<name>[A-Z][\w.'’\- ]{1,60}?) -- (?P<rest>[^\n]{2,160})$")
_BRACKETED = re.compile(r"^(?P<name>[A-Z][\w.'’\- ]{1,60}?), (?P<firm>[^\n]{2,120}?) - "
                        r"(?P<title>[^\n]{2,120}?) \[\d+\]$")
_NUMBERED_END = re.compile(r"(?:^|\S )\[\d+\]$")  # a Refinitiv speaker line ends "... [4]"
# "Laura Graves, - [2]": a StreetEvents speaker line whose firm and title are left empty.
_BARE = re.compile(r"^(?P<name>[A-Z][\w.'’\- ]{1,60}?),\s*-\s*\[\d+\]$")
_OPERATOR = re.compile(r"^Operator(?: \[\d+\])?$")
_UNNAMED = re.compile(r"^(?:Unknown|Unidentified) (?:speaker|participant|analyst|company "
                      r"representative)$", re.I)
# Words of a speaker's title or role: a one-word name ("Tim") is a speaker only with one.
_TITLE = re.compile(r"\b(?:analyst|officer|president|director|chair\w*|ceo|cfo|coo|cto|vp|"
                    r"vice|head|manager|treasurer|relations|founder|partner|secretary|"
                    r"controller|counsel|executive|chief|leader|lead|strategist|economist)\b",
                    re.I)
# "Firm - Title": an analyst when the title says so or the firm is a broker's research
# division (sell-side equity research: "Morgan Stanley, Research Division - MD").
_FIRM_TITLE = re.compile(r"^(?P<firm>.+?)\s+-{1,2}\s+(?P<title>[^-]+)$")
_ANALYST_WORDS = re.compile(r"\banalyst\b(?! relations)|\bresearch division\b", re.I)
# An Event Brief's summary headings (upper case, alone on a line) and its sections.
_BRIEF_SECTIONS = {"OVERVIEW": "Overview", "FINANCIAL DATA": "Financial data",
                   "PRESENTATION SUMMARY": "Presentation summary"}
# "I. 1Q17 Review (T.C.)": a part of the summary and the initials of who said it.
_BRIEF_PART = re.compile(r"^[IVXL]+\.\s+\S.*\((?P<initials>[A-Z]\.(?:\s?[A-Z]\.?){1,3})\)$")
_PARTICIPANT = re.compile(r"^\*\s+(?P<name>\S.{0,60})$")  # "* Tim Cook" / "Apple Inc. - CEO"
_PARTICLES = {"de", "da", "di", "del", "der", "van", "von", "la", "le", "du", "dos", "bin", "al"}


def _looks_like_name(text: str) -> bool:
    """"C. Kelly Wall" or "Jean-Pierre de Souza", not "Okay. If I look at your"."""
    words = text.split()
    if not 1 <= len(words) <= 6:
        return False
    for word in words:
        if word in _PARTICLES:
            continue
        if not word[0].isupper():
            return False
        if "." in word and not re.fullmatch(r"(?:[A-Z]\.)+|Jr\.|Sr\.|St\.|Dr\.|Mr\.|Ms\.", word):
            return False
    return True
_SECTIONS = {
    "prepared remarks:": "Prepared remarks", "presentation": "Prepared remarks",
    "questions and answers:": "Q&A", "questions and answers": "Q&A",
    "question-and-answer session": "Q&A", "call participants:": "Participants",
    "corporate participants": "Participants", "conference call participants": "Participants",
    "conference call participiants": "Participants",
}


@dataclass(slots=True)
class Speaker:
    name: str
    title: str | None = None
    firm: str | None = None
    role: str = "executive"  # executive | analyst | operator

    def label(self) -> str:
        extra = ", ".join(x for x in (self.title, self.firm) if x)
        return f"{self.name} ({extra})" if extra else self.name


@dataclass(slots=True)
class Turn:
    speaker: Speaker
    section: str | None
    page: int
    start: int  # offset of the first line after the speaker line
    line_start: int  # offset of the speaker line itself


def parse_speaker_line(line: str) -> Speaker | None:
    line = line.strip()
    if _OPERATOR.match(line):
        return Speaker("Operator", role="operator")
    if _UNNAMED.match(line):
        return Speaker(line, role="analyst" if "analyst" in line.lower() else "executive")
    m = _BARE.match(line)
    if m and _looks_like_name(m.group("name")):
        return Speaker(m.group("name").strip())
    m = _BRACKETED.match(line)
    if m and _looks_like_name(m.group("name")):
        title = m.group("title").strip()
        role = "analyst" if _ANALYST_WORDS.search(f"{m.group('firm')} - {title}") \
            else "executive"
        return Speaker(m.group("name").strip(), title, m.group("firm").strip(), role)
    m = _DASHED.match(line)
    if m and _looks_like_name(m.group("name")):
        rest = m.group("rest").strip()
        if " " not in m.group("name").strip() and not _TITLE.search(rest):
            # "So -- and I gave you the reasons ...": a dash in speech, not "Tim -- Analyst".
            return None
        analyst = re.match(r"^(?:(?P<firm>.+?)\s+-{1,2}\s+)?Analyst$", rest, re.IGNORECASE)
        if analyst:
            return Speaker(m.group("name").strip(), "Analyst", analyst.group("firm"), "analyst")
        if _ANALYST_WORDS.search(rest):
            # "JPMorgan Chase & Co, Research Division - Senior Analyst", "Morgan Stanley,
            # Research Division - MD": a broker's research analyst, whatever the rank.
            parts = _FIRM_TITLE.match(rest)
            if parts:
                return Speaker(m.group("name").strip(), parts.group("title").strip(),
                               parts.group("firm").strip(), "analyst")
            return Speaker(m.group("name").strip(), rest, role="analyst")
        return Speaker(m.group("name").strip(), rest)
    return None


def find_turns(pages: list[Page]) -> tuple[list[Turn], list[tuple[int, int]]]:
    """Speaker turns, and every (page, offset) where a turn or a section heading starts."""
    turns: list[Turn] = []
    stops: list[tuple[int, int]] = []
    section: str | None = None
    for page in pages:
        offset = 0
        lines = page.text.split("\n")
        for i, line in enumerate(lines):
            key = line.strip().lower()
            if key in _SECTIONS:
                section = _SECTIONS[key]
                stops.append((page.number, offset))
            elif section != "Participants" or key.endswith("]"):
                speaker = parse_speaker_line(line) if len(line) < 200 else None
                length = len(line)
                if speaker is None and i + 1 < len(lines) and _NUMBERED_END.search(lines[i + 1]) \
                        and len(line) + len(lines[i + 1]) < 200 \
                        and parse_speaker_line(lines[i + 1]) is None:
                    # A long title wrapped onto a second line: "Roger Dassen, ASML Holding NV -
                    # Chief Financial Officer, Executive Vice President," / "Member of ... [4]".
                    speaker = parse_speaker_line(f"{line.rstrip()} {lines[i + 1].strip()}")
                    length = len(line) + 1 + len(lines[i + 1])
                if speaker is not None:
                    if section == "Participants":
                        section = "Prepared remarks"
                    turns.append(Turn(speaker, section, page.number,
                                      offset + length + 1, offset))
                    stops.append((page.number, offset))
            offset += len(line) + 1
    _questions_after_first_analyst(turns)
    return turns, stops


def _questions_after_first_analyst(turns: list[Turn]) -> None:
    """A call printed without a "Questions and Answers" heading: its Q&A is where analysts
    start to speak (with the operator's turn that introduces the first of them)."""
    if any(t.section == "Q&A" for t in turns):
        return
    first = next((i for i, t in enumerate(turns) if t.speaker.role == "analyst"), None)
    if first is None:
        return
    if first > 0 and turns[first - 1].speaker.role == "operator":
        first -= 1
    for turn in turns[first:]:
        turn.section = "Q&A"


def transcript_segments(pages: list[Page]) -> tuple[list[Segment], list[Turn]] | None:
    """Segments split at speaker turns and page ends, or None if this is no transcript."""
    turns, stops = find_turns(pages)
    if len(turns) < 3:
        return None
    stops.sort()
    first = turns[0]
    segments = _title_block(pages, first.page, first.line_start,
                            [t.speaker for t in turns if t.speaker.role == "executive"])
    for turn in turns:
        # The turn ends where the next turn or section heading begins.
        nxt = next((s for s in stops if s > (turn.page, turn.line_start)), None)
        for page in pages:
            if page.number < turn.page or (nxt and page.number > nxt[0]):
                continue
            start = turn.start if page.number == turn.page else 0
            end = nxt[1] if nxt and page.number == nxt[0] else len(page.text)
            if end > start and page.text[start:end].strip():
                segments.append(Segment(page.number, start, end, turn.speaker.label(),
                                        turn.section, turn.speaker.role))
    return segments, turns


def _title_block(pages: list[Page], page_end: int, offset_end: int,
                 executives: list[Speaker]) -> list[Segment]:
    """Segments before the first speaker turn: the title block, split where an Event
    Brief's summary headings and its speakers' parts begin. A part's initials name the
    executive as the Q&A's speaker lines do, else as the participants list does."""
    # (page, offset, section, speaker, whether a heading begins it)
    marks: list[tuple[int, int, str, Speaker | None, bool]] = [
        (pages[0].number, 0, "Title", None, False)]
    stop = (page_end, offset_end)
    people: dict[str, list[Speaker]] = {}
    for speaker in executives:
        for key in _initials(speaker.name):
            known = people.setdefault(key, [])
            if all(k.name != speaker.name for k in known):
                known.append(speaker)
    listed: dict[str, list[Speaker]] = {}
    pending: str | None = None
    section = "Title"
    for page in pages:
        if page.number > page_end or stop != (page_end, offset_end):
            break
        offset = 0
        for line in page.text.split("\n"):
            if page.number == page_end and offset >= offset_end:
                break
            text = line.strip()
            person = _PARTICIPANT.match(text)
            if text in _BRIEF_SECTIONS:
                section = _BRIEF_SECTIONS[text]
                marks.append((page.number, offset, section, None, True))
            elif section != "Title" and text.lower() in _SECTIONS:
                # "QUESTIONS AND ANSWERS" ends the summary, as a heading ends a turn
                stop = (page.number, offset)
                break
            elif section == "Title" and person and _looks_like_name(person.group("name")):
                pending = person.group("name").strip()
            elif section == "Title" and pending:
                # The line under "* Tim Cook": "Apple Inc. - CEO".
                parts = _FIRM_TITLE.match(text)
                speaker = Speaker(pending, parts.group("title").strip(),
                                  parts.group("firm").strip()) if parts else Speaker(pending)
                if _ANALYST_WORDS.search(text):
                    speaker.role = "analyst"
                for key in _initials(pending):
                    listed.setdefault(key, []).append(speaker)
                pending = None
            elif section == "Presentation summary" and (part := _BRIEF_PART.match(text)):
                key = re.sub(r"[^A-Z]", "", part.group("initials"))
                said = [s for s in people.get(key, []) + listed.get(key, [])
                        if s.role == "executive"]
                # "Tim Cook" speaks in the Q&A, "Timothy D. Cook" is listed: one person.
                # Initials two people share name no one.
                who = said[0] if len({_person(s.name) for s in said}) == 1 else None
                number, start, label, _, heading = marks[-1]
                if heading and number == page.number and \
                        "\n" not in page.text[start:offset].rstrip("\n"):
                    # "PRESENTATION SUMMARY" alone above the first part: one segment.
                    marks[-1] = (number, start, section, who, False)
                else:
                    marks.append((page.number, offset, section, who, False))
            offset += len(line) + 1
    segments: list[Segment] = []
    for i, (number, start, label, speaker, _) in enumerate(marks):
        nxt = marks[i + 1] if i + 1 < len(marks) else stop
        for page in pages:
            if page.number < number or page.number > nxt[0]:
                continue
            begin = start if page.number == number else 0
            end = nxt[1] if page.number == nxt[0] else len(page.text)
            if end > begin:
                segments.append(Segment(page.number, begin, end,
                                        speaker.label() if speaker else None, label,
                                        speaker.role if speaker else None))
    return segments


def _initials(name: str) -> set[str]:
    """"Timothy D. Cook" -> {"TC", "TDC"}: a brief writes the first and last name's."""
    words = _name_words(name)
    return {words[0][0] + words[-1][0], "".join(w[0] for w in words)} if words else set()


def _person(name: str) -> tuple[str, str]:
    """"Tim Cook" and "Timothy D. Cook" -> ("T", "Cook")."""
    words = _name_words(name)
    return (words[0][0], words[-1]) if words else ("", name)


def _name_words(name: str) -> list[str]:
    return [w for w in name.split() if w not in _PARTICLES and w[0].isalpha()
            and w not in ("Jr.", "Sr.")]
