"""Instructions pasted around a question, told apart from what is asked by their grammatical
form, not by their wording.

A question is cut into clauses (sentences, the parts either side of a colon, a leading
phrase before the interrogative, the parts of a parenthesis). A clause that asks (ends with
"?", or opens with a wh-word or an auxiliary) is kept. One addressed to the reader about how
to answer is an instruction: it speaks to "you", or it is an imperative whose object is the
exchange itself (the question, the answer, a response, units, decimal places) or a bare
pronoun ("state that", "explain why"), or it is a conditional whose main clause is such an
imperative ("If X is not relevant, state that"). An instruction may still say where to look
("by using the balance sheet"): the statements and line items it names are kept.
Everything else (a definition, a period, "Give me revenue for 2022") is kept as asked.
"""

from __future__ import annotations

import re

from earnest.understanding import FIGURE_KINDS, METRIC_STATEMENTS

# Grammatical words only (pronouns, determiners, prepositions, conjunctions, auxiliaries,
# wh-words): what a clause opening with one of them is not is an imperative.
_WH = frozenset("what which who whom whose when where why how".split())
_AUX = frozenset("""is are was were do does did has have had can could will would shall should
may might must""".split())
_FUNCTION = _WH | _AUX | frozenset("""
i me my mine we us our ours you your yours he him his she her hers it its they them their
theirs this that these those a an the some any each every all both no not none
in on at by for from to of with within without into onto over under about above below
between among through during after before since until as than like per via
and or but nor so yet if then when while because although though whether unless
there also only just still even
""".split())
_FIRST_PERSON = frozenset({"i", "we"})
_SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "yourselves"})
# Nouns (and the verb forms of them) that name the exchange, not its subject: what an
# instruction about presenting or finding the answer has as its object. "information" and
# "data" and "details" name the material handed over ("the information shown in the balance
# sheet"), not a subject of it.
_EXCHANGE = frozenset("""question questions answer answers answering response responses reply
respond units unit decimal decimals place places information data details
""".split())
# "what was asked" (the passive of "ask") is the question; "J.P. Morgan asked" is not.
_ASKED = re.compile(r"\b(?:is|was|being|been)\s+asked\b", re.I)
# A bare pronoun as an imperative's object refers back to the exchange ("state that",
# "explain why"), not to a thing to find.
_PRONOUN_OBJECT = frozenset("that this it so why how them these those".split())
_POLITE = frozenset({"please", "kindly", "then", "also", "and"})
_ABBREVIATION = frozenset("vs inc corp co ltd no mr mrs ms dr st jr sr etc approx".split())

_INTERROGATIVE_AFTER_COMMA = re.compile(r",\s+(?=(?:%s)\b)" % "|".join(sorted(_WH | _AUX)),
                                        re.I)
# "Could you tell me ...?": a request to the reader; what follows the verb is what is asked.
_REQUEST = re.compile(r"^\s*(?:can|could|would|will)\s+you\s+(?:please\s+)?[a-z]+\s+"
                      r"(?:me\s+|us\s+)?", re.I)
# A conditional sentence and its main clause ("If X is not relevant, (then) state that").
_CONDITIONAL = re.compile(r"\s*(?:if|when|in case)\b.*,\s*(.+)$", re.I | re.S)
_WORD = re.compile(r"[A-Za-z0-9&%$][\w&%$'’.-]*")
_SOURCE = re.compile("|".join(rf"(?:\b(?:{pattern})\b)" for pattern, _, _ in
                              METRIC_STATEMENTS), re.I)
# The units an instruction asks for say what kind of figure is wanted ("in USD millions").
_UNITS = re.compile("|".join(cue.pattern for cue, _ in FIGURE_KINDS.values()), re.I)


def strip_instructions(question: str) -> str:
    """``question`` without the instructions pasted around it; unchanged when it has none,
    and never emptied (a lone clause is what is asked, whatever its form)."""
    pieces: list[str] = []
    dropped = content = False
    for sentence in _sentences(question):
        for clause in _clauses(sentence):
            kept, whole = _read(clause)
            dropped |= kept != clause
            content |= whole
            if kept:
                pieces.append(kept)
    if not dropped or not content:
        return question  # nothing to drop, or only instructions: then they are the question
    return re.sub(r"\s{2,}", " ", " ".join(pieces)).strip()


def _sentences(text: str) -> list[str]:
    """Sentences, not cut at "J.P.", "vs." or "2.5"; a question typed in lower case has
    sentences too."""
    out, start = [], 0
    for m in re.finditer(r"[.?!](?=\s+[\"'(A-Za-z]|\s*$)", text):
        before = re.search(r"([A-Za-z]+)\.$", text[start:m.end()])
        if m.group(0) == "." and before and (len(before.group(1)) == 1 or
                                              before.group(1).lower() in _ABBREVIATION):
            continue
        out.append(text[start:m.end()].strip())
        start = m.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def _clauses(sentence: str) -> list[str]:
    """A sentence's clauses: either side of a colon followed by words, and a leading phrase
    before its interrogative ("Based on the balance sheet, what is ..."), marked by its
    comma. (Parentheses are read in ``_without_parenthesised_instructions``.)"""
    parts = [p for p in re.split(r"(?<=:)\s+", sentence) if p]
    out: list[str] = []
    for part in parts:
        lead = _leading_phrase(part)
        if lead:
            out += [lead + ",", part[len(lead):].lstrip(", ")]
        else:
            out.append(part)
    return out


def _leading_phrase(clause: str) -> str | None:
    """The phrase before ", wh-word ..." when the clause asks after it and does not open
    with the question itself."""
    first = _first_words(clause, 1)
    if not clause.rstrip().endswith("?") or (first and first[0] in _WH | _AUX):
        return None
    m = _INTERROGATIVE_AFTER_COMMA.search(clause)
    return clause[:m.start()] if m else None


def _first_words(text: str, n: int) -> list[str]:
    return [w.lower().strip(".'’") for w in _WORD.findall(text)[:n]]


def _asks(clause: str) -> bool:
    words = _first_words(clause, 1)
    return clause.rstrip(" )").endswith("?") or bool(words and words[0] in _WH | _AUX)


def _read(clause: str) -> tuple[str, bool]:
    """The clause as kept (whole, reduced to the sources and units it names, or nothing),
    and whether it is content rather than an instruction."""
    conditional = _CONDITIONAL.match(clause)
    if conditional and not clause.rstrip().endswith("?") and \
            _is_instruction(conditional.group(1)):
        return "", False  # "If X is not relevant, state that": X repeats the question
    if _asks(clause) and not clause.rstrip().endswith((",", ":")):
        return _without_parenthesised_instructions(_REQUEST.sub("", clause)), True
    if _is_instruction(clause, leading=clause.endswith(",")):
        return " ".join([m.group(0) for m in _SOURCE.finditer(clause)]
                        + [m.group(0) for m in _UNITS.finditer(clause)]), False
    return _without_parenthesised_instructions(clause), True


def _without_parenthesised_instructions(clause: str) -> str:
    """"(in units of percents and round to one decimal place)": its instruction parts out."""
    def keep(m: re.Match[str]) -> str:
        parts = re.split(r",\s*|\s+and\s+|;\s*", m.group(1))
        kept = [p for p in parts if not _is_instruction(p)]
        if len(kept) == len(parts):
            return m.group(0)
        return f"({', '.join(kept)})" if kept else ""
    return re.sub(r"\(([^()]*)\)", keep, clause)


def _is_instruction(clause: str, leading: bool = False) -> bool:
    """``leading``: a phrase before the interrogative ("Based on the information in the
    balance sheet, what ..."): one naming the exchange is about how to answer."""
    words = [w.lower().strip(".'’:,") for w in _WORD.findall(clause)]
    if not words:
        return False
    if _SECOND_PERSON & set(words):
        return True
    # Said of the exchange by the asker ("We need ... using information only in ...").
    exchange = bool(_EXCHANGE & set(words)) or bool(_ASKED.search(clause))
    if (leading or words[0] in _FIRST_PERSON) and exchange:
        return True
    conditional = _CONDITIONAL.match(clause)
    if conditional:
        return _is_instruction(conditional.group(1))
    if words[0] in _FUNCTION - _POLITE:
        return False
    while words and words[0] in _POLITE:
        words = words[1:]
    if not words:
        return False
    if exchange:
        return True
    # Coordinated imperatives whose objects are bare pronouns: "state that and explain why".
    verbs = [v.split() for v in re.split(r"\band\b", " ".join(words))]
    return all(len(v) == 2 and v[1] in _PRONOUN_OBJECT for v in verbs)
