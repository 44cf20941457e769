"""Turn questions and knowledge text into comparable tokens.

Documents and questions go through the same steps, so a word written either way meets itself:
lower case, receptor signs spelled out ("HER2-" and "HER2 negative" are one thing to a reader),
punctuation to spaces, then a Snowball stemmer (PyStemmer) so "bones", "bone" and "boned" agree.
Two word lists matter: *stopwords* carry no meaning for ranking ("what", "does"), and *fillers*
(articles, possessives, who is asking: "my mum", "my wife") are also ignored when matching the
phrases of the synonym map, so "spread to the bones" meets "spread to bone".
"""

from __future__ import annotations

import functools
import re
import unicodedata

import Stemmer

# Who is asking, small grammar words and hedges ("how can i actually help", "can they ever cure it"):
# they never change which article answers.
FILLERS: frozenset[str] = frozenset(
    """
    a an the my your his her our their its this that these those
    mum mom mums moms mam mommy mummy mother mothers ma dad father husband wife partner
    sister sisters brother aunt auntie nan nana gran granny grandma grandmother daughter son
    friend friends bestie niece cousin boyfriend girlfriend spouse
    actually even ever honestly literally basically
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Question words and chatter; kept out of the ranking (but not out of phrase matching, so that
# phrases such as "how long do i have" still match).
STOPWORDS: frozenset[str] = FILLERS | frozenset(
    """
    and are as at be been being but by for from if in into is it not of on or such then there
    they was were will with to so than too very just also any all some more most much many
    i im me we us you he she him them its what whats which who whom whose when where
    why how do does did doing done can could should would shall may might must have has had
    having am get got getting go going goes gone one ones thing things stuff really please
    hi hello thanks thank help know tell about anyone anybody someone something lot lots
    ok okay yes ya u ur pls plz like well still now after before over out up down off again
    here only own same other another every each both few nor no let lets want wanted need
    cant dont wont doesnt isnt arent didnt havent hasnt shouldnt couldnt wouldnt ive id ill
    lol lmao omg haha hahaha tbh idk btw xx xxx real
    """.split()  # noqa: SIM905
)

_SIGN_POS = re.compile(r"(?<=[a-z0-9])\+(?=\s|/|,|$|\))")
# Receptor status as one token: "HER2-negative" must not meet "HER2-positive" through the words
# "her2" and "positive", and "hormone positive her2 negative" must not share "positive" with the
# HER2-positive item. Markers, with the names people use for them, and the statuses they take:
_MARKERS = {"her2": "her2", "her 2": "her2", "erbb2": "her2", "er": "er", "estrogen receptor": "er",
            "oestrogen receptor": "er", "estrogen": "er", "oestrogen": "er", "pr": "pr", "pgr": "pr",
            "progesterone receptor": "pr", "progesterone": "pr", "hr": "hr", "hormone receptor": "hr",
            "hormone": "hr"}
_STATUSES = {"positive": "positive", "pos": "positive", "negative": "negative", "neg": "negative",
             "3 positive": "positive", "1 positive": "low", "low": "low", "ultralow": "ultralow",
             "ultra low": "ultralow", "0": "zero", "zero": "zero"}
_STATUS = re.compile(
    r"\b(not\s+)?(" + "|".join(sorted((re.escape(m) for m in _MARKERS), key=len, reverse=True)) + r")\s*("
    + "|".join(sorted((re.escape(s) for s in _STATUSES), key=len, reverse=True)) + r")\b"
)
_FLIP = {"positive": "negative", "negative": "positive"}


def _status(match: re.Match[str]) -> str:
    marker, status = _MARKERS[match.group(2)], _STATUSES[match.group(3)]
    if match.group(1):  # "not her2 positive" is HER2-negative
        status = _FLIP.get(status, status)
    return f"{marker}{status}"

_SIGN_NEG = re.compile(r"(?<=[a-z0-9])-(?=\s|/|,|$|\))")
_DASHES = re.compile(r"[−–—‐‑]")
_APOSTROPHE_S = re.compile(r"['’]s\b")
_APOSTROPHE = re.compile(r"['’]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lower case, accents off, receptor signs as words, punctuation as spaces."""
    if not text.isascii():
        text = _DASHES.sub("-", text)  # "HER2−" (minus sign) is "HER2-", not "HER2"
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower()
    text = _SIGN_POS.sub(" positive", text)
    text = _SIGN_NEG.sub(" negative", text)
    text = _APOSTROPHE_S.sub("", text)
    text = _APOSTROPHE.sub("", text)  # "can't" -> "cant", "don't" -> "dont"
    text = _NON_WORD.sub(" ", text).strip()
    return _STATUS.sub(_status, text)


def words(text: str) -> list[str]:
    """Normalised words, in order, nothing dropped."""
    return normalise(text).split()


_STEMMER = Stemmer.Stemmer("english")


# Words this short are acronyms or grammar ("ofs", "ets", "ais"), not inflected words: stemming
# "ofs" (ovarian function suppression) to "of" made every "rest of my life" about ovarian suppression.
MIN_STEMMED = 4


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return word if len(word) < MIN_STEMMED else _STEMMER.stemWord(word)


def keep_for_ranking(word: str) -> bool:
    """Words worth scoring: not a stopword, at least two letters, and not a bare number.

    A number alone says nothing about the subject ("temp 39" is not about the item that reports 39
    out of 100 alive); numbers that name something ("stage 4", "CA 15-3", "HER2 0") are matched as
    phrases of the synonym map, and letters with digits ("cdk4", "t1") stay tokens.
    """
    return word not in STOPWORDS and len(word) > 1 and not word.isdigit()


def rank_tokens(text: str) -> list[str]:
    """Stemmed tokens for the lexical index (stopwords dropped)."""
    return [stem(w) for w in words(text) if keep_for_ranking(w)]


def phrase_key(wordlist: list[str]) -> tuple[str, ...]:
    """The form a phrase is matched in: fillers dropped, the rest stemmed."""
    return tuple(stem(w) for w in wordlist if w not in FILLERS)
