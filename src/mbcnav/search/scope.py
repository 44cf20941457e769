"""What `ask` covers: breast cancer in people. The word lists live in scope.yaml.

Ranking alone cannot tell "lung cancer survival" from "breast cancer survival": every word but one is
in the knowledge base, so the breast-cancer survival figure ranks first. Naming the subject a
question is about, and saying plainly that mbcnav does not cover it, is safer than an answer about
the wrong disease.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from mbcnav.drugnames import known_generic, treatment_generics
from mbcnav.search.text import words
from mbcnav.yamlfile import load_yaml

SCOPE_FILE = Path(__file__).parent / "scope.yaml"


@dataclass(frozen=True)
class Scope:
    organs: tuple[tuple[str, ...], ...]
    cancer_words: frozenset[str]
    cancer_names: frozenset[str]
    in_scope: frozenset[str]
    other_subjects: frozenset[str]
    see_also: dict[str, list[str]]
    hidden_kinds: frozenset[str]
    hidden_ids: frozenset[str]


@functools.cache
def load_scope(path: Path = SCOPE_FILE) -> Scope:
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    hidden = data.get("not_for_red_flags") or {}
    return Scope(
        organs=tuple(tuple(words(o)) for o in data.get("other_cancer_organs", [])),
        cancer_words=frozenset(data.get("cancer_words", [])),
        cancer_names=frozenset(data.get("other_cancer_names", [])),
        in_scope=frozenset(data.get("in_scope_words", [])),
        other_subjects=frozenset(data.get("other_subjects", [])),
        see_also={str(k): list(v) for k, v in (data.get("see_also") or {}).items()},
        hidden_kinds=frozenset(hidden.get("kinds", [])),
        hidden_ids=frozenset(hidden.get("ids", [])),
    )


@dataclass(frozen=True)
class OutOfScope:
    #: what the question is about instead ("lung cancer", "dog")
    subject: str
    #: "cancer" (another cancer) or "subject" (not about people with cancer)
    kind: str = "cancer"
    #: items to point to in case the asker meant breast cancer that has spread there
    see_also: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        if self.kind == "subject":
            return ("mbcnav is about breast cancer in people; it cannot answer questions about "
                    f"a {self.subject}.")
        return (f"mbcnav covers breast cancer only. It has nothing on {self.subject}, and breast cancer "
                "figures do not apply to it.")


def _names_a_treatment(ws: list[str]) -> bool:
    """A question naming a breast-cancer treatment ("does tamoxifen cause uterine cancer") asks about
    that treatment, whatever other cancer it names: its risks are breast-cancer care."""
    treatments = treatment_generics()
    for n in (1, 2):
        for i in range(len(ws) - n + 1):
            if known_generic(" ".join(ws[i:i + n])) in treatments:
                return True
    return False


def out_of_scope(question: str, scope: Scope | None = None) -> OutOfScope | None:
    """The other cancer or subject the question is about, or None when it may be about breast cancer."""
    scope = load_scope() if scope is None else scope
    ws = words(question)
    if scope.in_scope & set(ws):
        return None
    found = _other_subject(ws, scope)
    # only a question that names another subject pays for the treatment-name look-up
    return None if found is None or _names_a_treatment(ws) else found


def _other_subject(ws: list[str], scope: Scope) -> OutOfScope | None:
    for w in ws:
        if w in scope.other_subjects:
            return OutOfScope(w, kind="subject")
        if w in scope.cancer_names:
            return OutOfScope(w)
    for organ in scope.organs:
        n = len(organ)
        for i in range(len(ws) - n):
            if tuple(ws[i:i + n]) == organ and ws[i + n] in scope.cancer_words:
                see_also = tuple(scope.see_also.get(" ".join(organ), ()))
                return OutOfScope(" ".join(organ) + " cancer", see_also=see_also)
    return None
