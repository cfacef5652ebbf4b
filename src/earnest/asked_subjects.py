"""What a question asks about, as the nouns a document answering it must contain.

"What methane emissions intensity did Chevron report on its Q4 2021 call?" asks about
methane: a call that never says "methane" cannot answer it, however close its passages about
carbon intensity are. The nouns are read from the question's noun phrases (after "what",
"how many", a determiner, a possessive or a preposition), by the parts of speech of the
lemminflect lexicon (PyPI ``lemminflect``: English words with the parts of speech they take).
"""

from __future__ import annotations

import re
from functools import lru_cache

from earnest.instructions import strip_instructions
from earnest.lexicon import STOPWORDS

# Words that open a noun phrase: the question word asking for a thing, determiners,
# possessive pronouns and the prepositions a topic follows ("spend on advertising", "ask
# about margins"). "to" is left out: it more often opens a verb ("plan to ship").
_OPENERS = frozenset({"what", "which", "the", "a", "an", "its", "their", "his", "her", "our",
                      "any", "of", "on", "in", "for", "about", "regarding", "into"})
# The words of the document or the period asked about, not of its subject: the plan reads
# them as the period and the document type.
FRAME_WORDS = frozenset("""
quarter quarters year years full fiscal month months week weeks period periods call calls
conference transcript webcast release filing report reports annual quarterly first second
third fourth q1 q2 q3 q4 fy ytd january february march april may june july august september
october november december
""".split())
# The words figures are written with ("what percent", "$ billions"): a document writes
# "%" and "$", which the keyword index does not hold as words.
_UNITS = frozenset("""
percent percentage percentages basis points bps dollar dollars cent cents usd thousand
thousands million millions billion billions trillion
""".split())
# Shell nouns: abstract nouns that stand for the content that follows them rather than name
# it ("the type of debt", "the main factor", "any comment on margins"); the most frequent
# ones of Schmid, *English Abstract Nouns as Conceptual Shells* (2000), with the measure
# nouns "amount", "number", "level", "part".
_SHELLS = frozenset("""
fact facts reason reasons result results thing things point points problem problems issue
issues question questions idea ideas way ways case cases aspect aspects matter matters detail
details type types kind kinds sort sorts part parts amount amounts number numbers level levels
area areas factor factors topic topics subject subjects purpose focus key role roles item
items information comment comments remark remarks view views update updates status
""".split())
# The verbs of saying and asking ("What did the CFO say", "What did Sam Lee press ACME on"):
# what a question asks was said, not what it is about.
SAYING = re.compile(r"\b(?:say|said|mention\w*|discuss\w*|comment\w*|talk\w*|note\w*|"
                    r"explain\w*|describ\w*|tell|told|indicat\w*|signal\w*|stat(?:e|ed)|"
                    r"remark\w*|ask\w*|press\w*|highlight\w*|announc\w*)\b", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&]*(?:['’][A-Za-z]+)?|\d[\d.,%$]*|[?!.;:,()\"]")


@lru_cache(maxsize=8192)
def _readings(word: str) -> frozenset[str]:
    """The parts of speech ``word`` takes (NOUN, VERB, ADJ, ...); empty when unknown (a
    name, a ticker, jargon the lexicon lacks)."""
    import lemminflect  # ~0.3 s to load its lexicon: only once a question needs it

    return frozenset(lemminflect.getAllLemmas(word))


def asked_nouns(question: str, *, cause: bool = False) -> list[str]:
    """The lower-case nouns of ``question``'s noun phrases, without the document's and the
    period's words. Capitalised words are names (of companies, people, products) and are the
    library check's to read, unless the question is written all in one case. For a question
    asking for a cause (``cause``) only words that cannot be verbs count: "the jump in
    margin", "what hurt sales" describe a change in words a document is free to choose."""
    text = strip_instructions(question)
    one_case = text == text.lower() or text == text.upper()
    words = _WORD.findall(text)
    out: dict[str, None] = {}
    inside = False
    for i, raw in enumerate(words):
        low = raw.lower().replace("’", "'")
        possessive = low.endswith("'s") or low.endswith("s'")
        if low == "how" and i + 1 < len(words) and words[i + 1].lower() in ("many", "much"):
            inside = False
            continue
        if low in ("many", "much") and i and words[i - 1].lower() == "how":
            inside = True
            continue
        if low in _OPENERS:
            inside = True
            continue
        if possessive:
            # "Chevron's methane intensity": what follows is the company's; "the segment's
            # margin": the segment is asked about too.
            low, was_inside, inside = low[:-2] if low.endswith("'s") else low[:-1], inside, True
            if not (was_inside and raw[0].islower() or one_case):
                continue
        if not raw[0].isalpha() and not raw[0].isdigit():
            inside = False
            continue
        if low in STOPWORDS:
            inside = False
            continue
        if not inside or raw[0].isdigit() or low in FRAME_WORDS or low in _UNITS or \
                low in _SHELLS or len(low) < 3:
            continue
        if not one_case and not raw.islower():
            continue
        readings = _readings(low)
        if "NOUN" not in readings or (cause and "VERB" in readings):
            continue
        out.setdefault(low, None)
    return list(out)


def noun_like(word: str) -> bool:
    """Whether ``word`` (lower case) can be a noun or an adjective, as a noun phrase's words
    are."""
    readings = _readings(word)
    return "NOUN" in readings or "ADJ" in readings


def is_word(text: str) -> bool:
    """Whether ``text`` (lower case) is an English word the lexicon knows."""
    return bool(_readings(text))
