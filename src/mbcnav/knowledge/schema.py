"""Typed, read-only models of every knowledge item.

Every item carries two voices (``public`` for everyone, ``clinician`` for professionals), at least
one source id that must resolve in the sources files, and the date a person last reviewed it.
Kind-specific fields sit on subclasses; the ``kind`` field picks the subclass when loading.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, PrivateAttr

# Dots are allowed for versioned ids such as `recist-1.1` (common.md source-id convention).
ItemId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", min_length=2, max_length=80)]
SiteCode = Literal[
    "bone", "liver", "lung", "brain", "lymph_node", "pleura", "leptomeninges", "peritoneum",
    "skin", "other",
]
_YEARS = re.compile(r"\b(?:19|20)\d{2}(?:\s*[-–]\s*(?:19|20)\d{2})?\b")
Urgency = Literal["emergency", "urgent", "routine"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Source(_Frozen):
    """A published reference: guideline, FDA label, trial paper, registry page."""

    id: ItemId
    title: str = Field(min_length=3)
    publisher: str = Field(min_length=2)
    year: int = Field(ge=1900, le=2100)
    url: HttpUrl
    note: str | None = None


class ItemBase(_Frozen):
    id: ItemId
    title: str = Field(min_length=2)
    public: str
    clinician: str
    sources: tuple[ItemId, ...] = Field(min_length=1)
    reviewed: dt.date
    #: other names people use (lay words, abbreviations, brand names); feeds search
    aliases: tuple[str, ...] = ()
    #: ids of other items worth reading next
    related: tuple[ItemId, ...] = ()


class Topic(ItemBase):
    kind: Literal["topic"]
    section: str = "general"


class Subtype(ItemBase):
    kind: Literal["subtype"]
    #: how common, in words, with its source among ``sources``
    frequency: str | None = None
    invasive: bool = True


class Site(ItemBase):
    kind: Literal["site"]
    site_code: SiteCode
    #: how often, with figures and their sources: clinician material
    frequency: str
    #: the same in plain words for the public voice (kb check requires it on the shipped base)
    frequency_public: str | None = None
    symptoms: tuple[str, ...] = Field(min_length=1)
    care: str


class Symptom(ItemBase):
    kind: Literal["symptom"]
    #: everyday phrasings a person might type ("my back hurts")
    phrasings: tuple[str, ...] = Field(min_length=1)
    sites: tuple[SiteCode, ...] = ()
    #: the red-flag code of case-format.md when the symptom can signal one
    red_flag: str | None = None
    level: Urgency
    #: what to do now, in each voice
    action_public: str
    action_clinician: str


class Test(ItemBase):
    kind: Literal["test"]
    category: Literal["history_exam", "imaging", "biopsy", "blood", "genomic", "germline", "other"]
    #: what a result changes in care: clinician material
    what_it_changes: str
    #: the same in plain words for the public voice (kb check requires it on the shipped base)
    what_it_changes_public: str | None = None


class Treatment(ItemBase):
    kind: Literal["treatment"]
    category: Literal[
        "endocrine", "cdk46", "pi3k_akt_mtor", "her2", "adc", "parp", "immunotherapy",
        "chemotherapy", "local", "bone", "supportive", "palliative", "trial", "overview",
    ]


class Drug(ItemBase):
    kind: Literal["drug"]
    generic: str
    brands: tuple[str, ...] = ()
    drug_class: str
    category: Literal[
        "endocrine", "cdk46", "pi3k_akt_mtor", "her2", "adc", "parp", "immunotherapy",
        "chemotherapy", "bone", "supportive",
    ]
    mechanism: str
    used_when: str
    common_effects: tuple[str, ...] = Field(min_length=1)
    serious_effects: tuple[str, ...] = Field(min_length=1)
    monitoring: tuple[str, ...] = Field(min_length=1)


class Regimen(ItemBase):
    kind: Literal["regimen"]
    drugs: tuple[str, ...] = Field(min_length=1)
    trials: tuple[str, ...] = ()


class RiskFactor(ItemBase):
    kind: Literal["risk_factor"]
    applies_to: Literal["breast_cancer", "metastatic_recurrence", "both"]
    evidence: Literal["established", "probable", "limited", "not_supported"]


class Statistic(ItemBase):
    kind: Literal["statistic"]
    value: float
    unit: str
    population: str
    #: the data years with their release details: clinician material
    years: str

    @property
    def data_years(self) -> str | None:
        """The first year or year range of ``years`` ("2013-2019"), for the public voice."""
        match = _YEARS.search(self.years)
        return match.group(0).replace("–", "-").replace(" ", "") if match else None


class Resource(ItemBase):
    kind: Literal["resource"]
    organization: str
    url: HttpUrl
    offers: str
    phone: str | None = None


class Faq(ItemBase):
    kind: Literal["faq"]
    question: str


KnowledgeItem = Annotated[
    Topic | Subtype | Site | Symptom | Test | Treatment | Drug | Regimen | RiskFactor | Statistic
    | Resource | Faq,
    Field(discriminator="kind"),
]

KINDS: tuple[str, ...] = (
    "topic", "subtype", "site", "symptom", "test", "treatment", "drug", "regimen", "risk_factor",
    "statistic", "resource", "faq",
)


class KnowledgeBase(_Frozen):
    """All items and sources, indexed by id. Built once per process by the loader."""

    items: tuple[KnowledgeItem, ...]
    sources: dict[str, Source]
    #: where each item came from (file name), for error messages
    origins: dict[str, str] = Field(default_factory=dict)

    _by_id: dict[str, ItemBase] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context: object) -> None:
        # Later duplicates do not overwrite earlier ones; `kb check` reports them.
        for item in self.items:
            self._by_id.setdefault(item.id, item)

    def get(self, item_id: str) -> ItemBase | None:
        return self._by_id.get(item_id)

    def of_kind(self, kind: str) -> list[ItemBase]:
        return [item for item in self.items if item.kind == kind]
