"""The Ask result: the public JSON contract of case-format.md (``question, red_flags, answers``)
plus additive fields that explain the answer (urgency and advice from triage, spelling corrections,
whether anything matched, and topics to try when nothing did)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mbcnav.errors import MbcnavError

Audience = Literal["public", "clinician"]

#: The one limit on question length and on k, for the CLI, the API and the page alike.
MAX_QUESTION_CHARS = 2000
MAX_K = 50


class AskInputError(MbcnavError):
    """A question that cannot be searched (empty, too long) or an unknown audience or k."""


class RedFlag(BaseModel):
    """A red flag from the triage of the question; the texts say what to do now."""

    # Triage owns this shape; anything it adds passes through rather than being dropped.
    model_config = ConfigDict(extra="allow")

    code: str
    urgency: str
    public: str
    clinician: str
    sources: list[str] = Field(default_factory=list)


class Answer(BaseModel):
    id: str
    title: str
    kind: str
    score: float
    public: str
    clinician: str
    sources: list[str]
    #: for symptom items: what to do now, in the asker's voice
    action: str | None = None
    #: for symptom items: "emergency", "urgent" or "routine"
    level: str | None = None


class Suggestion(BaseModel):
    id: str
    title: str


class AskResult(BaseModel):
    question: str
    red_flags: list[RedFlag] = Field(default_factory=list)
    answers: list[Answer] = Field(default_factory=list)
    audience: Audience = "public"
    #: True when no audience was given and the question's wording chose it (a clinician's shorthand,
    #: units or trial names: "clinician"; anything else: "public")
    audience_from_question: bool = False
    #: the banner's urgency when a red flag was found, else None: the highest of the triage urgency
    #: and the level of every red-flag item shown, so the banner never says "call your team today"
    #: above an answer that says "call 911"
    urgency: str | None = None
    #: what to do now ({"public": ..., "clinician": ...}) when a red flag was found: the triage advice,
    #: or, when a shown item raised the urgency above triage's, that item's own what-to-do-now text
    advice: dict[str, str] | None = None
    #: True when no item answers the question well; ``answers`` is then empty
    no_good_match: bool = False
    #: topics to try instead (filled when nothing matched)
    suggestions: list[Suggestion] = Field(default_factory=list)
    #: words read as another word ("efects" -> "effects")
    corrections: dict[str, str] = Field(default_factory=dict)
    #: clinical terms the question was also searched for ("ibrance" -> "palbociclib")
    also_searched: list[str] = Field(default_factory=list)
    #: set when the question is about something mbcnav does not cover ("lung cancer survival")
    scope_note: str | None = None
