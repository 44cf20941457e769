"""The search index over every knowledge item, built once and cached on disk.

Ranking is BM25 from the `bm25s` library, one index per field group so the fields can be weighted
without a hand-written scorer: *head* (title, aliases, brand and generic names, FAQ question),
*phr* (symptom phrasings and a site's symptoms: many, so they must not drown the title), *lay*
(the public text and the other plain fields) and *clin* (clinician text, mechanism, trials).
Each synonym group is scored once at build time as the best of its phrases (the phrases are
alternative names for one concept, so a document matching two of them is not twice as relevant).

The cache key is a hash of the knowledge files, the synonym map and this package's code, and the
index is built from a fresh read of exactly those files (not from a knowledge base a process may have
loaded before an edit), so editing any of them rebuilds the index on next use; an unwritable cache
directory only costs the rebuild, never an error. The cache holds JSON and .npy files only (no
pickle), so a tampered cache cannot run code. Each item also gets a concept token per synonym phrase
it contains as a phrase (see `concepts`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from mbcnav.errors import KnowledgeError
from mbcnav.knowledge.loader import DATA_DIR, read_all
from mbcnav.knowledge.schema import KnowledgeBase
from mbcnav.search.text import FILLERS, STOPWORDS, normalise, phrase_key, rank_tokens, stem, words
from mbcnav.yamlfile import load_yaml

SYNONYMS_FILE = Path(__file__).parent / "synonyms.yaml"
FIELDS: tuple[str, ...] = ("head", "phr", "lay", "clin")
# Field weights per audience: the head (titles, names, FAQ questions) says what an item is about;
# the body voice matching the asker counts more than the other voice.
WEIGHTS: dict[str, dict[str, float]] = {
    "public": {"head": 2.0, "phr": 1.0, "lay": 1.0, "clin": 0.5},
    "clinician": {"head": 2.0, "phr": 0.7, "lay": 0.6, "clin": 1.0},
}

# Which item fields feed which index; anything not named here and not skipped goes to "lay", so a
# new kind-specific field is searchable without touching this file.
HEAD_FIELDS = frozenset({"title", "aliases", "question", "generic", "brands", "drug_class",
                         "organization", "drugs"})
PHR_FIELDS = frozenset({"phrasings", "symptoms"})
CLIN_FIELDS = frozenset({"clinician", "action_clinician", "mechanism", "trials"})
SKIP_FIELDS = frozenset({"id", "kind", "sources", "reviewed", "related", "url", "phone", "red_flag",
                         "level", "sites", "site_code", "category", "applies_to", "evidence", "section",
                         "invasive", "value", "unit"})
# How many topics to offer when nothing matches.
N_SUGGESTIONS = 6


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


# What a structured field is about, in the words people ask with: a drug's `common_effects` answer
# "ibrance side effects" although the item never writes "side effects".
FIELD_LABELS: dict[str, str] = {
    "common_effects": "common side effects",
    "serious_effects": "serious side effects",
    "monitoring": "monitoring tests",
}


def item_fields(item: Any) -> dict[str, str]:
    """The item's searchable text, split into the field groups."""
    out: dict[str, list[str]] = {f: [] for f in FIELDS}
    for name, value in item.model_dump(mode="json").items():
        if name in SKIP_FIELDS:
            continue
        group = ("head" if name in HEAD_FIELDS else "phr" if name in PHR_FIELDS
                 else "clin" if name in CLIN_FIELDS else "lay")
        texts = list(_strings(value))
        if texts and name in FIELD_LABELS:
            out[group].append(FIELD_LABELS[name])
        out[group].extend(texts)
    return {f: "\n".join(parts) for f, parts in out.items()}


@dataclass
class SynonymTable:
    """Phrase (as a stemmed key) -> groups it belongs to; group -> its phrases' ranking tokens."""

    phrases: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    #: per group, the ranking tokens of each of its phrases
    tokens: list[list[list[str]]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    #: groups of exact names (a drug's generic, brand and code names), as opposed to near meanings
    exact: list[bool] = field(default_factory=list)
    max_len: int = 1

    def add_group(self, phrases: list[str], exact: bool = False) -> None:
        keys = [phrase_key(words(p)) for p in phrases]
        # A stopword alone never stands for a concept ("of"; "ill", which is also "I'll"): questions
        # are full of them, so they would expand everywhere.
        keys = [k for k in keys if k and not (len(k) == 1 and k[0] in _STOP_STEMS)]
        if len(keys) < 2:
            return
        name = normalise(phrases[0])
        phrase_tokens = [t for t in (rank_tokens(p) for p in phrases) if t]
        if name in self.names:
            # The same concept from the map and from a drug item: one group, or it counts twice.
            gid = self.names.index(name)
            self.tokens[gid].extend(t for t in phrase_tokens if t not in self.tokens[gid])
            self.exact[gid] = self.exact[gid] or exact
        else:
            gid = len(self.tokens)
            self.names.append(name)
            self.tokens.append(phrase_tokens)
            self.exact.append(exact)
        for key in keys:
            groups = self.phrases.setdefault(key, [])
            if gid not in groups:
                groups.append(gid)
            self.max_len = max(self.max_len, len(key))

    def to_json(self) -> dict[str, Any]:
        return {"phrases": [[list(k), v] for k, v in self.phrases.items()], "tokens": self.tokens,
                "names": self.names, "exact": self.exact, "max_len": self.max_len}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SynonymTable:
        return cls(phrases={tuple(k): v for k, v in data["phrases"]}, tokens=data["tokens"],
                   names=data["names"], exact=data["exact"], max_len=data["max_len"])


_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS)


def match_phrases(stems: list[str], table: SynonymTable) -> list[tuple[int, int, list[int]]]:
    """Synonym phrases found in a stemmed word sequence, as (start, end, groups), longest first; a
    phrase inside one already matched adds nothing ("stage iv" is not also "iv" = infusion)."""
    found: list[tuple[int, int, list[int]]] = []
    for n in range(min(table.max_len, len(stems)), 0, -1):
        for start in range(len(stems) - n + 1):
            gids = table.phrases.get(tuple(stems[start:start + n]))
            if not gids or any(a <= start and start + n <= b for a, b, _ in found):
                continue
            found.append((start, start + n, gids))
    return found


def name_key(text: str) -> str:
    """How a question that is just an item's name ("pertuzumab", "what is Herceptin?") is recognised."""
    return " ".join(w for w in words(text) if w not in STOPWORDS)


def concept_token(group: int) -> str:
    """The token an item gets for each synonym phrase it contains as a phrase (no real word has "~")."""
    return f"~{group}"


def concepts(text: str, table: SynonymTable) -> list[str]:
    """Concept tokens of a text: "bone pain" written as a phrase is the concept bone pain, where
    "bone" in one sentence and "pain" in another is not (BM25 alone sees both the same)."""
    stems = [stem(w) for w in words(text) if w not in FILLERS]
    return [concept_token(g) for _, _, gids in match_phrases(stems, table) for g in gids]


def load_synonym_groups(path: Path = SYNONYMS_FILE) -> list[list[str]]:
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    return [[str(p) for p in group] for group in data.get("groups", [])]


def build_synonyms(kb: KnowledgeBase, path: Path = SYNONYMS_FILE) -> SynonymTable:
    table = SynonymTable()
    for group in load_synonym_groups(path):
        table.add_group(group)
    # Every drug's brand names and aliases mean the drug: the knowledge base is the authority. An
    # alias that is another drug's own name is a part, not a name ("pertuzumab" listed among the
    # names of the pertuzumab-trastuzumab-hyaluronidase combination would send "pertuzumab" there).
    drugs = list(kb.of_kind("drug"))
    own = {normalise(n): d.id for d in drugs for n in (d.generic, *d.brands)}  # type: ignore[attr-defined]
    for drug in drugs:
        names = [drug.generic, *drug.brands, *drug.aliases]  # type: ignore[attr-defined]
        table.add_group([n for n in names if own.get(normalise(n), drug.id) == drug.id], exact=True)
    return table


@dataclass
class SearchIndex:
    """Everything a query needs, loadable without parsing the knowledge files."""

    key: str
    docs: list[dict[str, Any]]
    retrievers: dict[str, bm25s.BM25]
    vocab: dict[str, int]  # unstemmed word -> number of items using it (for spelling correction)
    synonyms: SynonymTable
    suggestions: list[dict[str, str]]
    #: per audience, a (groups x documents) matrix: each synonym group's best phrase score
    group_scores: dict[str, np.ndarray]
    #: an item's own names (title; a drug's generic and brand names), normalised -> document number
    names: dict[str, int] = field(default_factory=dict)

    @functools.cached_property
    def stem_vocab(self) -> frozenset[str]:
        return frozenset(t for r in self.retrievers.values() for t in r.vocab_dict if t)

    @functools.cached_property
    def vocab_words(self) -> list[str]:
        return list(self.vocab)

    @functools.cached_property
    def by_id(self) -> dict[str, int]:
        """Item id -> document number."""
        return {d["id"]: n for n, d in enumerate(self.docs)}

    @functools.cached_property
    def by_red_flag(self) -> dict[str, list[int]]:
        """Red-flag code -> the documents (symptom items) about it, in document order."""
        out: dict[str, list[int]] = {}
        for n, d in enumerate(self.docs):
            if d.get("red_flag"):
                out.setdefault(d["red_flag"], []).append(n)
        return out

    def weighted(self, tokens: list[str], audience: str) -> np.ndarray:
        """BM25 of ``tokens`` over all documents, fields weighted for the audience."""
        total = np.zeros(len(self.docs), dtype=np.float32)
        for f, w in WEIGHTS[audience].items():
            total += w * self.scores(f, tokens)
        return total

    def scores(self, field_name: str, tokens: list[str]) -> np.ndarray:
        retriever = self.retrievers[field_name]
        ids = retriever.get_tokens_ids(tokens)
        if not ids:
            return np.zeros(len(self.docs), dtype=np.float32)
        return retriever.get_scores_from_ids(ids)


def _doc(item: Any) -> dict[str, Any]:
    doc = {"id": item.id, "title": item.title, "kind": item.kind, "public": item.public,
           "clinician": item.clinician, "sources": list(item.sources)}
    # a drug's generic name and a regimen's drugs: a question naming two drugs asks for their regimen;
    # a regimen's trials: a question naming the trial ("HER2CLIMB", "DB-09") asks for it too
    for extra in ("action_public", "action_clinician", "red_flag", "level", "generic", "drugs", "trials"):
        value = getattr(item, extra, None)
        if value is not None:
            doc[extra] = list(value) if isinstance(value, tuple) else value
    return doc


def build_index(kb: KnowledgeBase, key: str = "", synonyms_path: Path = SYNONYMS_FILE) -> SearchIndex:
    items = list(kb.items)
    per_field: dict[str, list[list[str]]] = {f: [] for f in FIELDS}
    vocab: Counter[str] = Counter()
    synonyms = build_synonyms(kb, synonyms_path)
    for item in items:
        texts = item_fields(item)
        seen: set[str] = set()
        for f in FIELDS:
            per_field[f].append(rank_tokens(texts[f]) + concepts(texts[f], synonyms))
            seen.update(w for w in words(texts[f]) if w.isalpha() and len(w) > 2)
        vocab.update(seen)
    for group_tokens in load_synonym_groups(synonyms_path):
        for phrase in group_tokens:
            vocab.update(w for w in words(phrase) if w.isalpha() and len(w) > 2 and w not in vocab)
    retrievers: dict[str, bm25s.BM25] = {}
    for f in FIELDS:
        retriever = bm25s.BM25()
        # An empty corpus (no items yet) still gives a valid, empty index.
        retriever.index(per_field[f] or [[]], show_progress=False)
        retrievers[f] = retriever
    topics = [i for i in items if i.kind == "topic"] + [i for i in items if i.kind == "faq"]
    suggestions = [{"id": i.id, "title": i.title} for i in topics[:N_SUGGESTIONS]]
    names: dict[str, int] = {}
    for n, item in enumerate(items):
        for name in (item.title, getattr(item, "generic", None), *getattr(item, "brands", ())):
            if name:
                names.setdefault(name_key(name), n)
    index = SearchIndex(key=key, docs=[_doc(i) for i in items], retrievers=retrievers, vocab=dict(vocab),
                        synonyms=synonyms, suggestions=suggestions, group_scores={}, names=names)
    index.group_scores = {a: _group_scores(index, a) for a in WEIGHTS}
    return index


def _group_scores(index: SearchIndex, audience: str) -> np.ndarray:
    n_docs = len(index.docs)
    cache: dict[str, np.ndarray] = {}

    def token_scores(token: str) -> np.ndarray:
        if token not in cache:
            cache[token] = index.weighted([token], audience)
        return cache[token]

    out = np.zeros((len(index.synonyms.tokens), n_docs), dtype=np.float32)
    for g, phrases in enumerate(index.synonyms.tokens):
        for phrase in phrases:
            # A phrase meets an item only through all its words: "blood thinner" is not the "blood"
            # of the coughing-blood page (a partial match is left to the asker's own words).
            score = np.zeros(n_docs, dtype=np.float32)
            has_all = np.ones(n_docs, dtype=bool)
            for token in phrase:
                found = token_scores(token)
                score += found
                has_all &= found > 0
            np.maximum(out[g], np.where(has_all, score, 0.0), out=out[g])
    return out


# --- cache -------------------------------------------------------------------------------------------

_CODE_FILES = ("index.py", "text.py")


def cache_key(data_dir: Path = DATA_DIR, synonyms_path: Path = SYNONYMS_FILE) -> str:
    """Hash of everything the index is built from: knowledge files, synonym map, index code."""
    h = hashlib.sha256()
    h.update(f"bm25s={bm25s.__version__}".encode())
    here = Path(__file__).parent
    for path in [synonyms_path, *(here / name for name in _CODE_FILES)]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for path in sorted(data_dir.rglob("*.yaml")):
        h.update(str(path.relative_to(data_dir)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:20]


def cache_dir() -> Path:
    explicit = os.environ.get("MBCNAV_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mbcnav"


_PREFIX = "qa-index-"


def save_index(index: SearchIndex, directory: Path) -> Path | None:
    """Write the index atomically (temp dir, then rename); None when the directory is not writable."""
    target = directory / f"{_PREFIX}{index.key}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-qa-", dir=directory))
    except OSError:
        return None
    try:
        for f, retriever in index.retrievers.items():
            retriever.save(str(tmp / f), show_progress=False)
        for audience, matrix in index.group_scores.items():
            np.save(tmp / f"groups-{audience}.npy", matrix, allow_pickle=False)
        meta = {"key": index.key, "docs": index.docs, "vocab": index.vocab,
                "synonyms": index.synonyms.to_json(), "suggestions": index.suggestions, "names": index.names}
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        try:
            os.rename(tmp, target)
        except OSError:
            # Another process wrote the same index first; theirs is as good as ours.
            shutil.rmtree(tmp, ignore_errors=True)
            return target if (target / "meta.json").exists() else None
    except (OSError, TypeError, ValueError):
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    for old in directory.glob(f"{_PREFIX}*"):
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    return target


def load_saved_index(directory: Path, key: str) -> SearchIndex | None:
    """The cached index for ``key``, or None if absent or unreadable (then it is rebuilt)."""
    path = directory / f"{_PREFIX}{key}"
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        if meta.get("key") != key:
            return None
        retrievers = {f: bm25s.BM25.load(str(path / f), load_corpus=False) for f in FIELDS}
        group_scores = {a: np.load(path / f"groups-{a}.npy", allow_pickle=False) for a in WEIGHTS}
        return SearchIndex(key=key, docs=meta["docs"], retrievers=retrievers, vocab=meta["vocab"],
                           synonyms=SynonymTable.from_json(meta["synonyms"]),
                           suggestions=meta["suggestions"], group_scores=group_scores, names=meta["names"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_or_build(data_dir: Path = DATA_DIR, directory: Path | None = None) -> tuple[SearchIndex, str]:
    """The index for the current knowledge files and how it was obtained ("cache", "built", "memory").

    The key hashes the files, so the index must be built from those same files: a fresh read, never
    the process's cached ``load_knowledge_base()``, which may predate an edit (a server that loaded
    the knowledge base at start would otherwise save its old content under the new key, and every
    later process would reuse it). If the files change while being read, the index is used once but
    not saved, so no key ever names content other than its own.
    """
    directory = cache_dir() if directory is None else directory
    key = cache_key(data_dir)
    with contextlib.suppress(OSError):
        cached = load_saved_index(directory, key)
        if cached is not None:
            return cached, "cache"
    kb, problems = read_all(data_dir)
    if problems:
        raise KnowledgeError(
            f"the knowledge base has {len(problems)} problem(s); run `mbcnav kb check`. First: {problems[0]}"
        )
    index = build_index(kb, key)
    if cache_key(data_dir) != key:
        return index, "memory"
    saved = save_index(index, directory)
    return index, "built" if saved is not None else "memory"


@functools.cache
def get_index() -> SearchIndex:
    """The process-wide index of the shipped knowledge base."""
    return load_or_build()[0]
