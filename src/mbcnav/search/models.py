"""The Ask result: the public JSON contract of case-format.md (``question, red_flags, answers``)
plus additive fields that explain the answer (urgency and advice from triage, spelling corrections,
whether anything matched, and topics to try when nothing did)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mbcnav.errors import MbcnavError

Audience = Literal["public", "clinician"]


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
    #: the triage urgency when a red flag was found, else None
    urgency: str | None = None
    #: the triage advice ({"public": ..., "clinician": ...}) when a red flag was found
    advice: dict[str, str] | None = None
    #: True when no item answers the question well; ``answers`` is then empty
    no_good_match: bool = False
    #: topics to try instead (filled when nothing matched)
    suggestions: list[Suggestion] = Field(default_factory=list)
    #: words read as another word ("efects" -> "effects")
    corrections: dict[str, str] = Field(default_factory=dict)
    #: clinical terms the question was also searched for ("ibrance" -> "palbociclib")
    also_searched: list[str] = Field(default_factory=list)
