"""Answer a typed question from the knowledge base: red flags first, then the best items.

Nothing here writes text: every answer is a reviewed, cited knowledge item. The steps are those a
good librarian takes with a hurried question: read past the typos (spelling correction against the
words the knowledge base actually uses), translate everyday words into the clinical ones and back
(the synonym map), rank with BM25, and say plainly when nothing fits instead of handing over noise.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from mbcnav.case import hidden_char_problem
from mbcnav.search.index import (
    FIELDS,
    SYNONYMS_FILE,
    WEIGHTS,
    SearchIndex,
    concept_token,
    get_index,
    match_phrases,
    name_key,
)
from mbcnav.search.models import (
    MAX_K,
    MAX_QUESTION_CHARS,
    Answer,
    AskInputError,
    AskResult,
    RedFlag,
    Suggestion,
)
from mbcnav.search.scope import load_scope, out_of_scope
from mbcnav.search.text import FILLERS, STOPWORDS, keep_for_ranking, normalise, phrase_key, stem, words
from mbcnav.yamlfile import load_yaml

# Words added by the synonym map count less than the asker's own words: they widen, not steer.
# Another name of the same drug (brand for generic) is no approximation, so it counts in full.
EXPANSION_WEIGHT = 0.5
EXACT_NAME_WEIGHT = 1.0
CONCEPT_WEIGHT = 0.5
# Words nearly every question says (the map's `generic_words`) count this much of a specific word.
GENERIC_WEIGHT = 0.1
# "No good match" when too few of the asker's words are known to the knowledge base, or the best
# item mentions too few of them (shares, so they do not depend on the size of the knowledge base;
# tuned on tests/qa/questions.yaml and the off-topic questions in tests/qa).
MIN_COVERAGE = 0.5
MIN_MATCH = 0.45
# ... or, when it names a medicine, this much of the rest of the question (the aspect asked about).
ASPECT_MATCH = 1.0
# Answers far below the best one are noise, not alternatives.
RELATIVE_CUTOFF = 0.25
# ... and those found only through an everyday word ("hot") when below this share of the best.
EVERYDAY_CUTOFF = 0.5
# Spelling: only words this long are corrected, by at most this many edits (short words have too
# many near neighbours to guess safely).
MIN_CORRECTABLE = 5
LONG_WORD = 8
# A long message with a story before its question ("diagnosed 8 years ago, on tamoxifen ..., what does
# that mean"): the background's words count this much of the asked part's, and the medicines it names in
# passing are not the subject. Only with at least this many background words that rank (no stopwords): a
# short story ("my mum has cancer in her bones, is she going to die") is part of the question.
BACKGROUND_WEIGHT = 0.5
# ... and a medicine named there is history ("been on letrozole and ribociclib"), weighing this much.
PASSING_DRUG_WEIGHT = 0.25
# A word of a `phrase_only` phrase ("blood" in "blood thinner") counts this much on its own; its synonym
# group (anticoagulant) carries the meaning.
PHRASE_WORD_WEIGHT = 0.25
MIN_BACKGROUND_WORDS = 12


@dataclass
class ParsedQuestion:
    words: list[str]
    corrections: dict[str, str]
    #: the asker's own words, stemmed, stopwords dropped
    tokens: list[str]
    #: for each token, the synonym groups whose phrase covers it
    token_groups: list[list[int]]
    groups: list[int] = field(default_factory=list)
    #: share of the asker's tokens the knowledge base knows (directly or through the synonym map)
    coverage: float = 0.0
    #: whether a known word of the subject is asked, not only everyday or generic words
    has_subject: bool = True
    #: per token, how much it counts: less in the background story of a long message
    weights: list[float] = field(default_factory=list)
    #: per synonym group, how much it counts (the most of the words it covers)
    group_weights: dict[int, float] = field(default_factory=dict)


def question_focus(question: str) -> list[bool] | None:
    """Per word of the question, whether it is in the asked part of a long message, or None when the
    whole message is the question.

    People write the story first and ask last ("my mum ... was on tamoxifen ... now it is in her liver,
    what does that mean and how long does she have"): the story's words, drug names and all, outweighed
    the ask. The asked part is the last clause (between commas or stops) that starts with a question
    word of the synonym map's `question_cues`, or ends with a question mark (clauses are split at
    punctuation and "and"), with the cue clauses just before it ("what does that mean and how long does
    she have"). A question that points back ("what does *that* mean") asks about the clause before it too.
    """
    extras = _map_extras()
    cues, back = extras["question_cues"], extras["pointing_back"]
    parts = [p for p in re.finditer(r"[^,.;:!?\n]+[,.;:!?\n]*", question)]
    clauses: list[tuple[list[str], bool]] = []
    for m in parts:
        ws = words(m.group())
        start = 0
        for n, w in enumerate([*ws, "and"]):
            if w == "and":
                if n > start:
                    clauses.append((ws[start:n], n == len(ws) and "?" in m.group()))
                start = n + 1
    if sum(len(ws) for ws, _ in clauses) + words(question).count("and") != len(words(question)):
        return None

    def is_ask(n: int) -> bool:
        return clauses[n][1] or any(w in cues for w in clauses[n][0][:2])

    asked = next((n for n in range(len(clauses) - 1, -1, -1) if is_ask(n)), None)
    if not asked:
        return None
    first = asked
    while first > 0 and is_ask(first - 1):
        first -= 1
    if first > 0 and any(w in back for w in clauses[first][0][:4]):
        first -= 1
    if first == 0:
        return None
    # "and" itself is no clause word: it takes the side of the clause after it
    focus: list[bool] = []
    for n, (ws, _) in enumerate(clauses):
        focus.extend([first <= n <= asked] * len(ws))
        while len(focus) < len(words(question)) and words(question)[len(focus)] == "and":
            focus.append(first <= n + 1 <= asked)
    if len(focus) != len(words(question)):
        return None
    story = [w for w, f in zip(words(question), focus, strict=True) if not f and keep_for_ranking(w)]
    return None if len(story) < MIN_BACKGROUND_WORDS else focus


def _is_real_word(word: str) -> bool:
    """A real English word is never "corrected" into a knowledge-base word ("hooked" is not "looked")."""
    if importlib.util.find_spec(_TRIAGE_MODULE) is None:  # as for triage: the search works without it
        return False
    return bool(importlib.import_module(_TRIAGE_MODULE).is_real_word(word))


def _correct(word: str, index: SearchIndex) -> str:
    if (
        word in index.vocab
        or len(word) < MIN_CORRECTABLE
        or not word.isalpha()
        or word in STOPWORDS
        or stem(word) in index.stem_vocab
        or _is_real_word(word)
    ):
        return word
    max_edits = 1 if len(word) < LONG_WORD else 2
    found = process.extract(word, index.vocab_words, scorer=DamerauLevenshtein.distance,
                            score_cutoff=max_edits, limit=8)
    if not found:
        return word
    best = min(found, key=lambda m: (m[1], -index.vocab[m[0]], abs(len(m[0]) - len(word)), m[0]))
    return best[0]


_PHRASE_PAIRS: dict[str, dict[tuple[str, int], frozenset[str]]] = {}


def _phrase_pairs(index: SearchIndex) -> dict[tuple[str, int], frozenset[str]]:
    """(word, side) -> the words that stand next to it in a synonym phrase: ("chemo", 1) -> {"brain", ...}
    (the word after "chemo"), ("brain", -1) -> {"chemo", ...}. Stems, as the phrases are."""
    if index.key not in _PHRASE_PAIRS:
        pairs: dict[tuple[str, int], set[str]] = {}
        for key in index.synonyms.phrases:
            for a, b in itertools.pairwise(key):
                pairs.setdefault((a, 1), set()).add(b)
                pairs.setdefault((b, -1), set()).add(a)
        _PHRASE_PAIRS[index.key] = {k: frozenset(v) for k, v in pairs.items()}
    return _PHRASE_PAIRS[index.key]


def _mend_in_phrase(raw: list[str], fixed: list[str], index: SearchIndex) -> list[str]:
    """A real word the knowledge base never uses, one edit from the word a synonym phrase has next to its
    neighbour, is that word: "chemo brian" is chemo brain. The spelling fixer leaves real words alone
    ("brian" is a name), so only a known phrase around it can tell the typo."""
    pairs = _phrase_pairs(index)
    out = list(fixed)
    for i, w in enumerate(fixed):
        if (raw[i] != w or len(w) < 4 or not w.isalpha() or w in STOPWORDS or w in index.vocab
                or stem(w) in index.stem_vocab):
            continue
        for j, side in ((i - 1, 1), (i + 1, -1)):
            if not 0 <= j < len(fixed):
                continue
            wanted = pairs.get((stem(fixed[j]), side), frozenset())
            near = [b for b in wanted if len(b) >= 4 and DamerauLevenshtein.distance(stem(w), b) <= 1]
            if len(near) == 1:
                found = process.extract(w, index.vocab_words, scorer=DamerauLevenshtein.distance,
                                        score_cutoff=2, limit=8)
                spelled = [m[0] for m in found if stem(m[0]) == near[0]]
                if spelled:
                    out[i] = spelled[0]
                    break
    return out


def parse(question: str, index: SearchIndex, focus: list[bool] | None = None) -> ParsedQuestion:
    """Correct, expand and tokenise a question against the index; with ``focus`` (``question_focus``),
    the words outside the asked part weigh ``BACKGROUND_WEIGHT``."""
    raw = words(question)
    if focus is None or len(focus) != len(raw):
        focus = [True] * len(raw)
    word_weight = [1.0 if f else BACKGROUND_WEIGHT for f in focus]
    fixed = _mend_in_phrase(raw, [_correct(w, index) for w in raw], index)
    corrections = {a: b for a, b in zip(raw, fixed, strict=True) if a != b}

    # Phrase matching over the stemmed words, fillers ("the", "my", "mum") skipped.
    seq = [(i, stem(w)) for i, w in enumerate(fixed) if w not in FILLERS]
    groups: list[int] = []
    covering: dict[int, list[int]] = {}
    in_phrase: set[int] = set()
    # words that mean only their phrase's thing ("blood" in "blood thinner": the medicine, not blood)
    through_phrase: set[int] = set()
    phrase_only = _map_extras()["phrase_only"]
    for start, end, gids in match_phrases([s for _, s in seq], index.synonyms):
        groups.extend(g for g in gids if g not in groups)
        for j in range(start, end):
            covering.setdefault(seq[j][0], []).extend(gids)
            if end - start > 1:
                in_phrase.add(seq[j][0])
            if tuple(s for _, s in seq[start:end]) in phrase_only:
                through_phrase.add(seq[j][0])

    for i, gids in covering.items():
        if word_weight[i] < 1.0 and any(index.synonyms.exact[g] for g in gids):
            word_weight[i] = PASSING_DRUG_WEIGHT
    group_weights: dict[int, float] = {}
    for i, gids in covering.items():
        for g in gids:
            group_weights[g] = max(group_weights.get(g, 0.0), word_weight[i])
    tokens: list[str] = []
    token_groups: list[list[int]] = []
    credit: list[float] = []
    phrased: list[bool] = []
    weights: list[float] = []
    for i, w in enumerate(fixed):
        if not keep_for_ranking(w):
            continue
        token = stem(w)
        tokens.append(token)
        weights.append(word_weight[i] * (PHRASE_WORD_WEIGHT if i in through_phrase else 1.0))
        token_groups.append(covering.get(i, []))
        phrased.append(i in in_phrase)
        # A guessed spelling is weaker evidence that the question is about this subject:
        # "bread" is one letter from "break".
        credit.append((0.5 if raw[i] != w else 1.0) if token in index.stem_vocab or i in covering else 0.0)
    # Generic words ("serious", "cancer") are known to every health question, so they show nothing
    # about whether this one is on topic: only the other words count, when there are any.
    specific = [c for c, g in zip(credit, _generic_tokens(tokens), strict=True) if not g]
    counted = specific or credit
    coverage = sum(counted) / len(counted) if counted else (1.0 if groups else 0.0)
    everyday = _map_extras()["everyday_stems"]
    generic = _generic_tokens(tokens)
    # An everyday word the synonym map reads ("growing": progression) is the subject when nothing else
    # could be: "is it growing", but not "how to grow tomatoes", whose unknown word is the subject.
    unknown = any(c == 0 and not gen and not t[:1].isdigit()
                  for t, c, gen in zip(tokens, credit, generic, strict=True))
    has_subject = not tokens or any(
        c > 0 and not gen and (t not in everyday or p or (bool(g) and not unknown))
        for t, c, gen, p, g in zip(tokens, credit, generic, phrased, token_groups, strict=True)
    ) or (all(generic) and any(credit))
    return ParsedQuestion(fixed, corrections, tokens, token_groups, groups, coverage, has_subject,
                          weights, group_weights)


@dataclass
class Scored:
    total: np.ndarray
    #: per own token, its weighted score over all documents
    per_token: list[np.ndarray]
    #: per synonym group, its weighted score over all documents
    per_group: dict[int, np.ndarray]


def score_all(parsed: ParsedQuestion, index: SearchIndex, audience: str) -> Scored:
    """BM25 per own token (BM25 is a sum over query tokens, so splitting it changes no ranking),
    plus each matched synonym group's precomputed best-phrase score."""
    generic = _generic(parsed)
    weights = parsed.weights or [1.0] * len(parsed.tokens)
    per_token = [index.weighted([t], audience) * (GENERIC_WEIGHT if g else 1.0) * w
                 for t, g, w in zip(parsed.tokens, generic, weights, strict=True)]
    # a group standing only for generic words ("secondary breast cancer" -> metastatic breast cancer)
    # weighs as little as they do
    pairs = list(zip(parsed.token_groups, generic, strict=True))
    generic_groups = {g for gids, gen in pairs if gen for g in gids}
    generic_groups -= {g for gids, gen in pairs if not gen for g in gids}
    total = np.zeros(len(index.docs), dtype=np.float32)
    for s in per_token:
        total += s
    matrix = index.group_scores[audience]
    per_group = {g: matrix[g] * (GENERIC_WEIGHT if g in generic_groups else 1.0)
                 * parsed.group_weights.get(g, 1.0) for g in parsed.groups}
    # A group that stands in for a word the knowledge base never uses ("turmeric" -> supplements) is
    # the only trace of that word, so it counts as the asker's own word, not as a widening.
    stands_in = {g for s, gids in zip(per_token, parsed.token_groups, strict=True) if not s.any()
                 for g in gids}
    names_drug = any(index.synonyms.exact[g] for g in parsed.groups)
    for g in parsed.groups:
        full = index.synonyms.exact[g] or g in stands_in
        total += (EXACT_NAME_WEIGHT if full else EXPANSION_WEIGHT) * per_group[g]
        # An item that says the concept as a phrase beats one that has its words far apart. Not
        # when the question names a drug: the drug is the subject and the concept only the aspect
        # ("ibrance side effects" is about palbociclib, not about side effects in general).
        if not names_drug:
            weight = (CONCEPT_WEIGHT * (GENERIC_WEIGHT if g in generic_groups else 1.0)
                      * parsed.group_weights.get(g, 1.0))
            total += weight * index.weighted([concept_token(g)], audience)
    return Scored(total, per_token, per_group)


def aspect_fraction(doc: int, parsed: ParsedQuestion, scored: Scored, index: SearchIndex) -> float:
    """``match_fraction`` over the words that do not name a medicine, when the question names one and
    says something else too: "oxycontin constipation" asks about constipation on oxycodone, and the
    constipation item answers that whether or not it names the brand (the drug's own item is placed by
    ``named_drugs``). 0 when nothing else is asked."""
    keep = [n for n, gids in enumerate(parsed.token_groups) if not any(index.synonyms.exact[g] for g in gids)]
    if not keep or len(keep) == len(parsed.tokens):
        return 0.0
    aspect = ParsedQuestion(parsed.words, parsed.corrections, [parsed.tokens[n] for n in keep],
                            [parsed.token_groups[n] for n in keep],
                            [g for g in parsed.groups if not index.synonyms.exact[g]])
    part = Scored(scored.total, [scored.per_token[n] for n in keep], scored.per_group)
    return match_fraction(doc, aspect, part)


def asked_fraction(doc: int, parsed: ParsedQuestion, scored: Scored) -> float:
    """``match_fraction``, or in a long message the share of its asked part if higher: an item that
    answers "how long does she have" covers little of the story before it, and need not."""
    full = match_fraction(doc, parsed, scored)
    keep = [n for n, w in enumerate(parsed.weights) if w == 1.0]
    if not parsed.weights or len(keep) == len(parsed.tokens) or not keep:
        return full
    groups = [g for g in parsed.groups if parsed.group_weights.get(g, 1.0) == 1.0]
    asked = ParsedQuestion(parsed.words, parsed.corrections, [parsed.tokens[n] for n in keep],
                           [[g for g in parsed.token_groups[n] if g in groups] for n in keep], groups)
    part = Scored(scored.total, [scored.per_token[n] for n in keep], scored.per_group)
    return max(full, match_fraction(doc, asked, part))


def match_fraction(doc: int, parsed: ParsedQuestion, scored: Scored) -> float:
    """Share of the question this item covers.

    Each of the asker's tokens weighs as much as its best score anywhere, so a rare, specific word
    (a brand name) outweighs a common one ("month"); a word the knowledge base never uses
    ("pizza") weighs as much as the question's heaviest known word, because it is most likely the
    subject of the question. A token counts when the item mentions it, itself or via a synonym.
    """
    if not parsed.tokens:
        return 1.0 if any(scored.per_group[g][doc] > 0 for g in parsed.groups) else 0.0
    weights: list[float] = []
    hits: list[bool] = []
    for s, gids in zip(scored.per_token, parsed.token_groups, strict=True):
        group_best = max((float(scored.per_group[g].max()) for g in gids), default=0.0)
        weights.append(max(float(s.max()), group_best))
        hits.append(bool(s[doc] > 0 or any(scored.per_group[g][doc] > 0 for g in gids)))
    unknown = max(weights) or 1.0
    # Unknown numbers ("38.5", "2am") are details, not the subject.
    weights = [w if w > 0 else 0.0 if t[:1].isdigit() else unknown
               for w, t in zip(weights, parsed.tokens, strict=True)]
    if not sum(weights):
        return 0.0
    return sum(w for w, h in zip(weights, hits, strict=True) if h) / sum(weights)


def only_everyday_hits(doc: int, parsed: ParsedQuestion, scored: Scored, index: SearchIndex,
                       audience: str) -> bool:
    """Whether the item matches the question only through everyday or generic words ("hot" in "hot
    flushes" finds the wound-infection page's "hot skin"): a passing word, not what was asked. A synonym
    group counts only through its phrase or its other words (the group "hot flashes" scores that page
    through "hot" alone)."""
    extras = _map_extras()
    plain = extras["everyday_stems"] | extras["generic_stems"]
    generic = _generic_tokens(parsed.tokens)
    hit = False
    for t, s, gen in zip(parsed.tokens, scored.per_token, generic, strict=True):
        if s[doc] > 0:
            if not gen and t not in plain:
                return False
            hit = True
    for g in parsed.groups:
        if scored.per_group[g][doc] <= 0:
            continue
        hit = True
        telling = [concept_token(g), *(t for p in index.synonyms.tokens[g] for t in p if t not in plain)]
        if index.weighted(telling, audience)[doc] > 0:
            return False
    return hit


def names_the_subject(doc: int, parsed: ParsedQuestion, index: SearchIndex) -> bool:
    """Whether the item's name (title, aliases, FAQ question) or symptom phrasings share a word with
    the question, directly or through the synonym map.

    An item found only through its body text is a passing mention: "best phone to buy" finds the
    helpline page whose text says "phone", but nothing it is about was asked. Every question in
    both evaluation sets has its top answer named this way; none needed a threshold.
    """
    tokens = set(parsed.tokens)
    for g in parsed.groups:
        tokens.update(t for phrase in index.synonyms.tokens[g] for t in phrase)
    tokens.update(concept_token(g) for g in parsed.groups)
    listed = sorted(tokens)
    return any(index.scores(f, listed)[doc] > 0 for f in ("head", "phr"))


# The longest drug name, in words, looked for in a question ("pegylated liposomal doxorubicin",
# "kisqali femara co pack").
MAX_NAME_WORDS = 4
# A named medicine's own item is among this many first answers (the top 3 the question sets score).
NAMED_WITHIN = 3


def named_drugs(parsed: ParsedQuestion, index: SearchIndex) -> list[int]:
    """The drug items whose medicine the question names (generic, brand or alias), in question order.

    A question that names a medicine is about that medicine, whatever else it says: "can i drink
    grapefruit juice on ibrance" asks about palbociclib, with grapefruit, juice and drinking as the
    aspect. The other words still rank the rest, but must not push the medicine's own item out
    (those three words once outweighed "ibrance", so only the Verzenio item, which mentions
    grapefruit, was shown). Names come from the knowledge base's drug items: their generic and
    brand names, and the aliases the synonym map holds as exact names of the drug.
    """
    found: list[int] = []

    def add(doc: int | None) -> None:
        if doc is not None and index.docs[doc]["kind"] == "drug" and doc not in found:
            found.append(doc)

    ws = parsed.words
    for start in range(len(ws)):
        if ws[start] in STOPWORDS:
            continue
        for n in range(min(MAX_NAME_WORDS, len(ws) - start), 0, -1):
            add(index.names.get(name_key(" ".join(ws[start:start + n]))))
    # aliases ("palbo", "T-DXd"): the synonym map's exact-name groups of the question
    for g in parsed.groups:
        if index.synonyms.exact[g]:
            add(index.names.get(name_key(index.synonyms.names[g])))
    return found


def _with_named_drugs(fitting: list[int], drugs: list[int], parsed: ParsedQuestion, scored: Scored,
                      index: SearchIndex) -> list[int]:
    """``fitting`` with the named medicines' items it lacks, placed after the fitting items that also
    speak of a named medicine and before those that do not.

    "scared of getting hooked on morphine" is best answered by the addiction FAQ, which names
    morphine and covers the question; the morphine item comes next. "can i drink alcohol on ibrance"
    gets the palbociclib item before the alcohol page, which does not name the medicine asked about,
    and "can i drink grapefruit juice on ibrance" before the abemaciclib item (which names palbociclib
    only to compare).
    """
    late = [d for d in drugs if d not in fitting]
    if not late:
        return fitting
    mentions = np.zeros(len(index.docs), dtype=bool)
    for g in parsed.groups:
        if index.synonyms.exact[g]:
            mentions |= scored.per_group[g] > 0
    # another medicine's own item is about that medicine, whatever it says of this one
    other_drug = [index.docs[i]["kind"] == "drug" and i not in drugs for i in fitting]
    at = next((n for n, i in enumerate(fitting) if not mentions[i] or other_drug[n]), len(fitting))
    late.sort(key=lambda i: -float(scored.total[i]))
    return [*fitting[:at], *late, *fitting[at:]]


def _top_k_with_named(fitting: list[int], drugs: list[int], k: int) -> list[int]:
    """The first ``k`` of ``fitting`` (best first), except that each named medicine's item is moved
    into the first ``NAMED_WITHIN`` answers (as many as fit) in place of the lowest other answers
    there: "xgeva vs zometa" shows both drugs before the bone-drug overview pages that score above
    them, and a reader who looks only at the first few answers still sees the medicine asked about."""
    window = min(k, NAMED_WITHIN)
    must = [d for d in drugs if d in fitting][:window]
    others = [i for i in fitting if i not in must]
    keep = {*must, *others[: window - len(must)]}
    head = [i for i in fitting if i in keep]
    return [*head, *(i for i in fitting if i not in keep)][:k]


# --- what the question asks, and in whose words --------------------------------------------------


@functools.cache
def _map_extras() -> dict[str, Any]:
    """The synonym map's non-group sections: `intents`, `clinician_register`, `comparison_words`."""
    data = load_yaml(SYNONYMS_FILE.read_text(encoding="utf-8")) or {}
    register = data.get("clinician_register") or {}
    return {
        "intents": frozenset(normalise(str(n)) for n in data.get("intents") or ()),
        "register_words": frozenset(normalise(str(w)) for w in register.get("words") or ()),
        "register_patterns": tuple(re.compile(str(p)) for p in register.get("patterns") or ()),
        "person_words": frozenset(normalise(str(w)) for w in register.get("person_words") or ()),
        "person_patterns": tuple(re.compile(str(p)) for p in register.get("person_patterns") or ()),
        "self_words": frozenset(normalise(str(w)) for w in register.get("self_words") or ()),
        "self_patterns": tuple(re.compile(str(p)) for p in register.get("self_patterns") or ()),
        "third_party": frozenset(normalise(str(w)) for w in register.get("third_party") or ()),
        "comparison_words": frozenset(normalise(str(w)) for w in data.get("comparison_words") or ()),
        "generic_stems": frozenset(stem(normalise(str(w))) for w in data.get("generic_words") or ()),
        "everyday_stems": frozenset(stem(normalise(str(w))) for w in data.get("everyday_words") or ()),
        "generic_after": frozenset(stem(normalise(str(w))) for w in data.get("generic_after_generic") or ()),
        "question_cues": frozenset(normalise(str(w)) for w in data.get("question_cues") or ()),
        "phrase_only": frozenset(phrase_key(words(str(p))) for p in data.get("phrase_only") or ()),
        "pointing_back": frozenset(normalise(str(w)) for w in data.get("pointing_back") or ()),
        "sequence_words": frozenset(normalise(str(w)) for w in data.get("sequence_words") or ()),
        "trial_shorthand": {normalise(str(k)): normalise(str(v))
                            for k, v in (data.get("trial_shorthand") or {}).items()},
        "line_words": {int(n): tuple(normalise(str(p)) for p in phrases)
                       for n, phrases in (data.get("line_words") or {}).items()},
        "line_regimens": tuple((int(r["line"]), tuple(normalise(str(w)) for w in r["subtype"]),
                                tuple(str(i) for i in r["regimens"]))
                               for r in data.get("line_regimens") or ()),
    }


def _generic_tokens(tokens: list[str]) -> list[bool]:
    """Per token, whether it is a generic word (or "cancer" right after one)."""
    extras = _map_extras()
    out: list[bool] = []
    for t in tokens:
        out.append(t in extras["generic_stems"] or bool(out and out[-1] and t in extras["generic_after"]))
    return out


def _generic(parsed: ParsedQuestion) -> list[bool]:
    """Per own token, whether it is a generic word; none are when every token is (a question that is
    only "metastatic breast cancer" is about exactly that)."""
    generic = _generic_tokens(parsed.tokens)
    return [False] * len(generic) if all(generic) else generic


def reads_as_clinician(question: str) -> bool:
    """Whether a question is written in a clinician's register (shorthand such as "ESR1m", "2L" or
    "mgmt", units such as "mL/min", trial names): its asker wants the clinician text, which holds the
    thresholds the public text leaves out ("QTcF threshold for ribociclib")."""
    extras = _map_extras()
    text = normalise(question)
    return (any(w in extras["register_words"] for w in text.split())
            or any(p.search(text) for p in extras["register_patterns"]))


def asks_for_themselves(question: str) -> bool:
    """Whether a patient asks about themselves ("my QTc is 480, can I take kisqali", "ANC 800, is that
    bad"): then the question's clinical words do not choose the clinician voice. Its thresholds ("hold
    until <= 480 ms") read by a patient as a verdict on their own result are unsafe; the public text
    sends them to their team. A clinician's "pt"/"patient" keeps the shorthand's clinician voice."""
    extras = _map_extras()
    text = normalise(question)
    found = text.split()
    if any(w in extras["third_party"] for w in found):
        return False
    return (any(w in extras["self_words"] for w in found)
            or any(p.search(text) for p in extras["self_patterns"]))


def describes_a_person(question: str) -> bool:
    """Whether a question speaks of someone (first person, a carer, "pt") or of a case now ("new
    cough", a measured value): then any red flag in it may be happening, and its banner stays."""
    extras = _map_extras()
    return (any(w in extras["person_words"] for w in normalise(question).split())
            or any(p.search(question.lower()) for p in extras["person_patterns"]))


def is_topic_question(question: str) -> bool:
    """A clinician asking about a topic ("hypercalcaemia mx", "T-DXd ILD monitoring"), not reporting
    symptoms: the red-flag items answer it, but a patient's "call 911" banner would be noise to them,
    and noise teaches readers to skip the banner when it matters."""
    return reads_as_clinician(question) and not describes_a_person(question)


def _intent_items(parsed: ParsedQuestion, index: SearchIndex, candidates: list[int],
                  scored: Scored) -> list[int]:
    """Among ``candidates`` (best first), the items whose name (title, aliases, FAQ question) says what
    the question asks: one of the synonym map's `intents` ("can it be cured", "how can I help").

    BM25 ranks by what a question is about, and the site, stage or drug word is the heaviest: "can they
    cure it now it is in the bones" put the bone page first, "hooked on oxycodone" the drug's page,
    neither of which answers the ask. A question that names a drug lifts only the items that name it
    too ("hooked on fentanyl": the addiction FAQ names the opioids it covers).
    """
    wanted = _map_extras()["intents"]
    groups = [g for g in parsed.groups if index.synonyms.names[g] in wanted]
    if not groups:
        return []
    head = index.scores("head", [concept_token(g) for g in groups])
    exact = [g for g in parsed.groups if index.synonyms.exact[g]]
    names = np.zeros(len(index.docs), dtype=np.float32)
    for g in exact:
        spelled = [t for p in index.synonyms.tokens[g] for t in p]
        names += index.scores("head", [concept_token(g)]) + index.scores("head", spelled)
    found = [i for i in candidates if head[i] > 0 and index.docs[i]["kind"] != "drug"]
    if not exact:
        return found
    naming = [i for i in found if names[i] > 0]
    if naming:
        return naming
    # ... and when none names it, the ask still comes first if it covers more of the question than any
    # item named for the medicine: "can't afford the ibrance copay" asks the cost question, whose page
    # does not name palbociclib (the drug's item stays in the top answers); "verzenio runs, how bad does
    # the diarrhea get" is the abemaciclib diarrhea page's, not the running (exercise) page's.
    drug_items = [i for i in candidates if names[i] > 0]
    most = max((match_fraction(i, parsed, scored) for i in drug_items), default=0.0)
    return [i for i in found if match_fraction(i, parsed, scored) > most]


def _subject_items_with_ask(parsed: ParsedQuestion, index: SearchIndex, scored: Scored,
                            asked: int) -> set[int]:
    """Items whose name says what else the question is about (a site, a subtype, a stage: a specific
    synonym group of the question that is not an ask) that the ``asked`` item's name does not say, and
    whose text also speaks to the ask, covering as much of the question as the ``asked`` item does.

    Such an item answers both halves, so the general page for the ask does not jump above it:
    "oligometastatic, can it be cured" is answered by the oligometastatic page (ABC: curative intent in
    selected patients) before the general "is stage 4 curable" FAQ, which does not speak of a few spots;
    "leptomeningeal disease prognosis" by the leptomeningeal page. The bone page, which says nothing of
    survival, still goes below "how long have I got" (``_intent_items``).
    """
    wanted = _map_extras()["intents"]
    intent = [g for g in parsed.groups if index.synonyms.names[g] in wanted]
    if not intent:
        return set()
    generic = _generic(parsed)
    specific = {g for gids, gen in zip(parsed.token_groups, generic, strict=True) if not gen for g in gids}
    subject = [g for g in parsed.groups if g in specific and g not in intent and not index.synonyms.exact[g]]
    subject = [g for g in subject if index.scores("head", [concept_token(g)])[asked] <= 0]
    if not subject:
        return set()
    named = index.scores("head", [concept_token(g) for g in subject])
    asks = np.zeros(len(index.docs), dtype=np.float32)
    for f in FIELDS:
        asks += index.scores(f, [concept_token(g) for g in intent])
    covers = match_fraction(asked, parsed, scored)
    return {int(i) for i in np.flatnonzero((named > 0) & (asks > 0))
            if match_fraction(int(i), parsed, scored) >= covers}


def _regimens_of(drugs: list[int], question: str, index: SearchIndex) -> list[int]:
    """Regimen items made of two or more of the named medicines, fewest other drugs first, then the most
    of the named ones.

    "femara and kisqali together" asks about the pair, whose item (with its trial and its results) is
    the answer; each drug's own item comes next. "Itovebi with Ibrance and Faslodex" names all three
    drugs of the INAVO120 triplet, not only the pair of fulvestrant + palbociclib. Not when the drugs are
    compared ("xgeva vs zometa", "ibrance or kisqali"): then each drug is the answer.
    """
    generics = {index.docs[d].get("generic") for d in drugs} - {None}
    if len(generics) < 2 or set(words(question)) & _map_extras()["comparison_words"]:
        return []
    found = [(len(doc["drugs"]) - len(generics & set(doc["drugs"])), -len(generics & set(doc["drugs"])), n)
             for n, doc in enumerate(index.docs)
             if doc["kind"] == "regimen" and len(generics & set(doc.get("drugs", ()))) >= 2]
    return [n for *_, n in sorted(found)]


def _trial_key(text: str) -> str:
    """A trial name as letters and numbers only, numbers without leading zeros: "DESTINY-Breast09",
    "destiny breast 9" and "DB-09" (after the map's `trial_shorthand`) all read "destinybreast9"."""
    return re.sub(r"\d+", lambda m: str(int(m.group())), re.sub(r"[^a-z0-9]", "", text.lower()))


def _trial_regimens(question: str, index: SearchIndex) -> list[int]:
    """The regimens whose trial the question names, the trial's own regimen first (a trial listed first
    in a regimen's `trials` is its registration trial; "DESTINY-Breast03" names T-DXd first, and T-DM1,
    its comparator, after).

    Clinicians name regimens by their trial ("HER2CLIMB with active brain mets", "DB-09 1L"): the trial
    is a name of the regimen, read from the regimen items' own `trials` (data), with the map's
    `trial_shorthand` for the prefixes people abbreviate ("db" for DESTINY-Breast). A trial name followed
    by a number it does not have is another trial ("HER2CLIMB-05" is not HER2CLIMB).
    """
    shorthand = _map_extras()["trial_shorthand"]
    trials: dict[str, list[tuple[int, int]]] = {}
    for n, doc in enumerate(index.docs):
        if doc["kind"] == "regimen":
            for pos, name in enumerate(doc.get("trials", ())):
                trials.setdefault(_trial_key(str(name)), []).append((pos, n))
    ws = [shorthand.get(w, w) for w in words(question)]
    found: list[tuple[int, int]] = []
    for start in range(len(ws)):
        for end in range(min(len(ws), start + 4), start, -1):
            key = _trial_key("".join(ws[start:end]))
            if key in trials and not (end < len(ws) and ws[end].isdigit() and not key[-1:].isdigit()):
                found.extend(trials[key])
                break
    ordered: list[int] = []
    for _, n in sorted(found):
        if n not in ordered:
            ordered.append(n)
    return ordered


def _treatment_generics(text: str, index: SearchIndex) -> set[str]:
    """The drugs a piece of a question names: its drug items' generics and its regimens' drugs ("THP")."""
    parsed = parse(text, index)
    docs = set(named_drugs(parsed, index))
    for g in parsed.groups:
        name = index.synonyms.names[g]
        docs.add(index.names.get(name_key(name)))
        # a regimen's letters stand for its drugs: "THP" is the group "docetaxel trastuzumab pertuzumab"
        if len(name.split()) > 1:
            docs.update(named_drugs(parse(name, index), index))
    docs.add(index.names.get(name_key(text)))
    generics: set[str] = set()
    for d in docs - {None}:
        doc = index.docs[d]  # type: ignore[index]
        if doc["kind"] == "drug" and doc.get("generic"):
            generics.add(doc["generic"])
        elif doc["kind"] == "regimen":
            generics.update(doc.get("drugs", ()))
    return generics


def _sequence_split(question: str, index: SearchIndex) -> tuple[str, set[str]] | None:
    """"X after Y", both treatments: (X, the drugs of Y), else None.

    Y is the line before, not the subject: "T-DXd after THP" asks about T-DXd, yet "THP" is the rarer,
    heavier word and once put the THP item first. Only when X names a treatment too: in "sick after
    capecitabine" the drug is the subject.
    """
    ws = words(question)
    at = next((n for n, w in enumerate(ws) if w in _map_extras()["sequence_words"]), None)
    if at is None or not 0 < at < len(ws) - 1:
        return None
    head, prior = " ".join(ws[:at]), " ".join(ws[at + 1:])
    before = _treatment_generics(prior, index)
    if not before or not _treatment_generics(head, index):
        return None
    return head, before


def _regimens_after(drugs: list[int], before: set[str], index: SearchIndex) -> list[int]:
    """Regimens with a named drug, those that reuse none of the earlier line's other drugs first, then
    the fewest drugs: after THP, T-DXd alone (DB-03), not T-DXd + pertuzumab (DB-09, first line)."""
    generics = {index.docs[d].get("generic") for d in drugs} - {None}
    found = [(bool((set(doc.get("drugs", ())) - generics) & before), len(doc.get("drugs", ())), n)
             for n, doc in enumerate(index.docs)
             if doc["kind"] == "regimen" and generics & set(doc.get("drugs", ()))]
    return [n for *_, n in sorted(found)]


def _line_regimens(question: str, index: SearchIndex) -> list[int]:
    """The regimens for a line of therapy and subtype the question names ("1L HER2+ standard")."""
    extras = _map_extras()
    text = f" {normalise(question)} "
    lines = {n for n, phrases in extras["line_words"].items() if any(f" {p} " in text for p in phrases)}
    found: list[int] = []
    for line, subtype, regimens in extras["line_regimens"]:
        if line in lines and any(f" {w} " in text for w in subtype):
            found.extend(index.by_id[r] for r in regimens if r in index.by_id and index.by_id[r] not in found)
    return found


# --- triage ------------------------------------------------------------------------------------------

_TRIAGE_MODULE = "mbcnav.reasoning.triage"


def _triage(question: str) -> Any | None:
    """The reasoning core's triage of the question, or None while that module does not exist."""
    if importlib.util.find_spec(_TRIAGE_MODULE) is None:
        return None
    return importlib.import_module(_TRIAGE_MODULE).triage(question)


def _fallback_red_flags(order: list[int], index: SearchIndex, own: np.ndarray) -> list[RedFlag]:
    """Without the triage module, red-flag symptom items among the top answers that the asker's own
    words (not only synonyms) match."""
    flags: list[RedFlag] = []
    for i in order[:3]:
        doc = index.docs[i]
        if doc.get("red_flag") and doc.get("level") in ("emergency", "urgent") and own[i] > 0:
            flags.append(RedFlag(code=doc["red_flag"], urgency=doc["level"],
                                 public=doc.get("action_public", doc["public"]),
                                 clinician=doc.get("action_clinician", doc["clinician"]),
                                 sources=doc["sources"]))
    return flags


# --- ask ---------------------------------------------------------------------------------------------

_LEVEL = {"routine": 0, "urgent": 1, "emergency": 2}


def _validate(question: str, audience: str, k: int) -> str:
    if not isinstance(question, str) or not question.strip():
        raise AskInputError("the question is empty; type what you want to know", field="question")
    hidden = hidden_char_problem(question)
    if hidden is not None:
        raise AskInputError(f"the question {hidden}", field="question")
    if len(question) > MAX_QUESTION_CHARS:
        raise AskInputError(f"the question is longer than {MAX_QUESTION_CHARS} characters "
                            f"({len(question)}); please shorten it", field="question")
    if audience not in WEIGHTS:
        raise AskInputError(f"audience must be one of {', '.join(WEIGHTS)}, not '{audience}'",
                            field="audience")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise AskInputError(f"k must be a whole number from 1 to {MAX_K}", field="k")
    return question.strip()


def _answer(doc: dict[str, Any], score: float, audience: str) -> Answer:
    action = doc.get("action_public" if audience == "public" else "action_clinician")
    return Answer(id=doc["id"], title=doc["title"], kind=doc["kind"], score=round(float(score), 3),
                  public=doc["public"], clinician=doc["clinician"], sources=list(doc["sources"]),
                  action=action, level=doc.get("level"))


def _flagged_items(flags: dict[str, str], index: SearchIndex, scores: np.ndarray) -> list[int]:
    """For each red flag, in triage's order, the knowledge item about it that best fits the question.

    Every item with that ``red_flag`` is a candidate, not only the top of the ranking: triage may
    recognise "no point living anymore" where ranking finds nothing, and the crisis item (with its
    helpline) must still be shown. A flag graded by triage (lip swelling alone is urgent, with a tight
    throat an emergency) is explained by an item of at least that grade, so an emergency is never shown
    under an urgent item's what-to-do-now. Among those the best-scoring wins; with no score at all, the
    most urgent one (it carries the most careful what-to-do-now text).
    """
    chosen: list[int] = []
    for code, urgency in flags.items():
        candidates = index.by_red_flag.get(code, ())
        if not candidates:
            continue
        floor = _LEVEL.get(urgency, 0)
        best = max(candidates,
                   key=lambda i: (_LEVEL.get(index.docs[i].get("level", ""), 0) >= floor, float(scores[i]),
                                  _LEVEL.get(index.docs[i].get("level", ""), 0)))
        if best not in chosen:
            chosen.append(best)
    return chosen


def _hidden_for_red_flags(doc: dict[str, Any]) -> bool:
    scope = load_scope()
    return doc["kind"] in scope.hidden_kinds or doc["id"] in scope.hidden_ids


def _above_its_grade(doc: dict[str, Any], graded: dict[str, str]) -> bool:
    """An item about a flag triage raised at a lower grade ("my skin and eyes are yellow": liver_failure
    at urgent; the emergency item is for jaundice with confusion or a swollen belly).

    Triage reads every phrasing of these items at the item's own level, so had the situation of the
    more urgent item been described, triage would have raised the flag at that level; ranking only finds
    shared words. Shown, the item would put "call 911 now" under "call your team today"; the item at
    triage's grade, shown instead, says when to escalate. (A flag whose only item is more urgent keeps
    it: the flag's own item is always shown.)
    """
    code = doc.get("red_flag")
    return (code in graded and doc.get("level") in _LEVEL
            and _LEVEL[doc["level"]] > _LEVEL.get(graded[code], 0))


def _escalate(result: AskResult, shown: list[dict[str, Any]]) -> None:
    """Raise the banner to the most urgent red-flag item shown, with that item's what to do now.

    Triage reads the words; the knowledge item reads the situation ("worst headache ever and sleepy"
    is the emergency item). Showing "Call 911" under a banner that says "call your team today" gives
    two instructions; the safe one is the more urgent, so the banner takes it, and the item's
    what-to-do-now text joins the red flags as the first one.
    """
    top = max((d for d in shown if d.get("red_flag") and d.get("level") in _LEVEL),
              key=lambda d: _LEVEL[d["level"]], default=None)
    if top is None or _LEVEL[top["level"]] <= _LEVEL.get(result.urgency or "routine", 0):
        return
    public = top.get("action_public") or top["public"]
    clinician = top.get("action_clinician") or top["clinician"]
    answers = result.answers
    first = next((n for n, a in enumerate(answers) if a.id == top["id"]), None)
    if first:
        answers.insert(0, answers.pop(first))
    # the raised flag replaces triage's entry for the same code: one entry per code, the more urgent
    result.red_flags[:] = [rf for rf in result.red_flags if rf.code != top["red_flag"]]
    result.red_flags.insert(0, RedFlag(code=top["red_flag"], urgency=top["level"], public=public,
                                       clinician=clinician, sources=list(top["sources"]),
                                       title=top["title"], item=top["id"]))
    result.urgency = top["level"]
    result.advice = {"public": public, "clinician": clinician}


def ask(
    question: str, audience: str | None = "public", k: int = 5, *, index: SearchIndex | None = None
) -> AskResult:
    """Red flags from triage first, then the ``k`` best knowledge items for the question.

    When nothing fits well, ``answers`` is empty, ``no_good_match`` is True and ``suggestions``
    lists topics to start from: a wrong answer to a health question is worse than none. A question
    about another cancer says so (``scope_note``) instead of answering with breast-cancer facts.
    ``audience=None`` lets the question's register choose (``audience_from_question``).
    """
    # No audience chosen: the question's own register decides (a clinician's shorthand gets the
    # clinician text); the caller's choice always wins.
    from_question = audience is None
    if audience is None:
        audience = ("clinician" if isinstance(question, str) and reads_as_clinician(question)
                    and not asks_for_themselves(question) else "public")
    question = _validate(question, audience, k)
    index = get_index() if index is None else index
    sequence = _sequence_split(question, index)
    focus = None if sequence else question_focus(question)
    parsed = parse(sequence[0] if sequence else question, index, focus)
    scored = score_all(parsed, index, audience)
    scores = scored.total
    order = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] > 0]
    best = float(scores[order[0]]) if order else 0.0

    triaged = _triage(question)
    if triaged is not None:
        red_flags = [RedFlag.model_validate(rf.model_dump(mode="json") if hasattr(rf, "model_dump") else rf)
                     for rf in triaged.red_flags]
    else:
        red_flags = _fallback_red_flags(order, index, index.weighted(parsed.tokens, audience))

    elsewhere = out_of_scope(question)
    # An answer must cover enough of the question, not only score well on one heavy word ("working"
    # in "anti sickness tablets not working" is not the subject); the first must also be named by it.
    # A named medicine's own item is the subject itself, so it needs neither.
    drugs = [] if elsewhere is not None else named_drugs(parsed, index)
    if focus is not None:
        # medicines named in the story ("been on letrozole and ribociclib") are not what is asked
        asked_words = " ".join(w for w, f in zip(parsed.words, focus, strict=True) if f)
        drugs = [d for d in drugs if d in named_drugs(parse(asked_words, index), index)]
    fitting = [i for n, i in enumerate(order[: max(3 * k, 15)])
               if scores[i] >= RELATIVE_CUTOFF * best
               and (asked_fraction(i, parsed, scored) >= MIN_MATCH
                    or (bool(drugs) and aspect_fraction(i, parsed, scored, index) >= ASPECT_MATCH))
               and not (n and scores[i] < EVERYDAY_CUTOFF * best
                        and only_everyday_hits(i, parsed, scored, index, audience))]
    fitting = _with_named_drugs(fitting, drugs, parsed, scored, index)
    # What the question asks goes before what it is about (a site, a stage, a drug's own page): the
    # regimen of two named drugs first, then the items whose name says the ask, from among the
    # well-scored whatever their match share. A leading FAQ that covers more of the question stays
    # first: it answers a question directly ("does turmeric cure cancer" is the supplements FAQ's).
    regimens = [] if elsewhere is not None else _regimens_of(drugs, question, index)
    if elsewhere is None and sequence is not None:
        regimens = _regimens_after(drugs, sequence[1], index) or regimens
    if elsewhere is None and not regimens:
        regimens = _trial_regimens(question, index) or _line_regimens(question, index)
    candidates = [i for i in order[: max(3 * k, 15)] if scores[i] >= RELATIVE_CUTOFF * best]
    asked = [i for i in _intent_items(parsed, index, candidates, scored) if i not in regimens[:1]][:1]
    if asked:
        rest = [i for i in fitting if i not in asked]
        covers = max(match_fraction(i, parsed, scored) for i in asked)
        both = _subject_items_with_ask(parsed, index, scored, asked[0])
        at = next((n for n, i in enumerate(rest) if i not in both and (index.docs[i]["kind"] != "faq"
                   or match_fraction(i, parsed, scored) <= covers)), len(rest))
        fitting = [*rest[:at], *asked, *rest[at:]]
    if regimens:
        fitting = [regimens[0], *(i for i in fitting if i != regimens[0])]
    no_good_match = (
        elsewhere is not None
        or not fitting
        or (not drugs and not (regimens and fitting[0] == regimens[0])
            and (parsed.coverage < MIN_COVERAGE or not parsed.has_subject
                 or not names_the_subject(fitting[0], parsed, index)))
    )
    # A question that is just an item's name ("pertuzumab", "what is herceptin") asks for that item.
    # ("T-DXd after THP" asks for T-DXd's next-line regimen, not the drug's own page)
    named = None if sequence else index.names.get(name_key(" ".join(parsed.words)))
    if named is not None and elsewhere is None:
        fitting = [named, *(i for i in fitting if i != named)]
        no_good_match = False
    chosen: list[int] = [] if no_good_match else _top_k_with_named(fitting, [*regimens[:1], *drugs], k)
    # Each flagged emergency's item goes first (the red flag is never ranked below routine items),
    # one item per flag, so there is room for what was asked; nothing a person in crisis should not
    # be handed (survival statistics) is shown.
    if red_flags:
        # code -> its most urgent grade among the flags, in triage's order
        graded: dict[str, str] = {}
        for rf in red_flags:
            if _LEVEL.get(rf.urgency, 0) > _LEVEL.get(graded.get(rf.code, ""), -1):
                graded[rf.code] = rf.urgency
        flagged = _flagged_items(graded, index, scores)
        chosen = [i for i in (flagged + [i for i in chosen if i not in flagged])
                  if not _hidden_for_red_flags(index.docs[i])
                  and (i in flagged or not _above_its_grade(index.docs[i], graded))][:k]
        no_good_match = no_good_match and not chosen

    result = AskResult(
        question=question,
        red_flags=red_flags,
        answers=[_answer(index.docs[i], scores[i], audience) for i in chosen],
        audience=audience,  # type: ignore[arg-type]
        audience_from_question=from_question,
        no_good_match=no_good_match,
        corrections=parsed.corrections,
        # all the question's words were read, the earlier line's too ("THP" in "T-DXd after THP")
        also_searched=[index.synonyms.names[g]
                       for g in (parse(question, index).groups if sequence else parsed.groups)],
        scope_note=elsewhere.note if elsewhere is not None else None,
    )
    if red_flags and is_topic_question(question):
        # the flagged items stay among the answers, first; only the banner goes
        result.red_flags = []
        red_flags = []
    if triaged is not None and red_flags:
        result.urgency = getattr(triaged, "urgency", None)
        advice = getattr(triaged, "advice", None)
        result.advice = advice.model_dump(mode="json") if hasattr(advice, "model_dump") else advice
    elif red_flags:
        result.urgency = "emergency" if any(rf.urgency == "emergency" for rf in red_flags) else "urgent"
    if red_flags:
        _escalate(result, [index.docs[i] for i in chosen])
    if no_good_match:
        by_id = index.by_id
        # Near misses only when the words were understood; for off-topic words they are noise. For
        # another cancer, the pages for breast cancer that spread there, in case that was meant.
        if elsewhere is not None:
            near_ids = [by_id[i] for i in elsewhere.see_also if i in by_id]
        else:
            near_ids = order[:3] if parsed.coverage >= MIN_COVERAGE else []
        near = [Suggestion(id=index.docs[i]["id"], title=index.docs[i]["title"]) for i in near_ids]
        general = [Suggestion(**s) for s in index.suggestions]
        seen: set[str] = set()
        suggestions = [s for s in [*near, *general] if not (s.id in seen or seen.add(s.id))]
        if red_flags:
            suggestions = [s for s in suggestions if s.id not in by_id
                           or not _hidden_for_red_flags(index.docs[by_id[s.id]])]
        result.suggestions = suggestions[:6]
    return result
