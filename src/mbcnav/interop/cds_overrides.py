"""CDS Hooks 2.0 override reasons: what a card offers, and whether feedback names one it offered.

A card's ``overrideReasons`` come from ``cds_override_reasons.yaml`` (mbcnav's own code system, given
per kind of card). Feedback later names a card only by its ``uuid``, so the service remembers what each
card it sent offered (its reasons and its suggestion uuids) in a :class:`CardRegistry`: the web app's
database store, else process memory. Feedback is then checked against that offer:

- a reason in mbcnav's code system must be a reason of that system, and one the card offered: anything
  else is a client error (a stale list, a reason sent for the wrong card) and would corrupt the record
  of why clinicians go past a safety card;
- a reason in another code system is the CDS Client's own (2.0 lets a client add its own reasons to the
  card's) and is accepted as sent;
- accepted suggestions must be suggestions of the card.

A card the registry does not know is refused (422): a uuid this service never sent, a card of another
service, or one sent more than ``OFFER_RETENTION_DAYS`` ago. Feedback is the record of why clinicians
accept or go past mbcnav's cards; an outcome stored for a card nobody saw (or checked only against the
code system) would corrupt that record, and 2.0 feedback names the card the service returned, so a
client has no reason to send another. Offers are kept 90 days (the web app's store; a router on its own
keeps the newest 10,000 in process memory, lost on restart): feedback comes within the clinician's
session, and the table must not grow by every card ever sent.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mbcnav.yamlfile import load_yaml

OVERRIDE_REASONS_FILE = Path(__file__).parent / "cds_override_reasons.yaml"
#: how long a card's offer is kept, so feedback on it is taken (web/store.py CARD_OFFER_RETENTION)
OFFER_RETENTION_DAYS = 90


@dataclass(frozen=True)
class OverrideReason:
    code: str
    display: str
    definition: str


@dataclass(frozen=True)
class OverrideReasons:
    system: str
    reasons: dict[str, OverrideReason]
    #: card kind -> the codes it offers, in display order
    offered_by: dict[str, tuple[str, ...]]

    def codings(self, kind: str) -> list[dict[str, str]]:
        """The ``overrideReasons`` of a card of this kind (Codings with the display 2.0 requires)."""
        return [
            {"system": self.system, "code": code, "display": self.reasons[code].display}
            for code in self.offered_by.get(kind, ())
        ]


@functools.cache
def override_reasons() -> OverrideReasons:
    """The shipped override reasons; ValueError naming the file when they do not hold together, so a
    broken data file stops the service at start rather than mislabel a clinician's reason."""
    raw = load_yaml(OVERRIDE_REASONS_FILE.read_text(encoding="utf-8"))
    where = OVERRIDE_REASONS_FILE.name
    system = raw.get("system")
    if not isinstance(system, str) or not system.startswith("https://"):
        raise ValueError(f"{where}: 'system' must be an https URL")
    reasons: dict[str, OverrideReason] = {}
    for entry in raw.get("reasons") or ():
        code, display = entry.get("code"), entry.get("display")
        if not isinstance(code, str) or not code or not isinstance(display, str) or not display.strip():
            raise ValueError(f"{where}: every reason needs a 'code' and a 'display' ({entry!r})")
        if code in reasons:
            raise ValueError(f"{where}: reason {code!r} is listed twice")
        reasons[code] = OverrideReason(code, display.strip(), str(entry.get("definition") or "").strip())
    offered: dict[str, tuple[str, ...]] = {}
    for kind, codes in (raw.get("offered_by") or {}).items():
        unknown = [c for c in codes if c not in reasons]
        if unknown:
            raise ValueError(f"{where}: offered_by.{kind} names unknown reason(s) {', '.join(unknown)}")
        offered[str(kind)] = tuple(codes)
    return OverrideReasons(system=system, reasons=reasons, offered_by=offered)


# ------------------------------------------------------------------------------ what a card offered


@dataclass(frozen=True)
class CardOffer:
    """What one card let the user do: the override reasons (system, code) and the suggestion uuids."""

    reasons: frozenset[tuple[str, str]]
    suggestions: frozenset[str]

    @classmethod
    def of_card(cls, card: Mapping[str, Any]) -> CardOffer:
        return cls(
            reasons=frozenset((r["system"], r["code"]) for r in card.get("overrideReasons") or ()),
            suggestions=frozenset(s["uuid"] for s in card.get("suggestions") or () if s.get("uuid")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "reasons": sorted([system, code] for system, code in self.reasons),
            "suggestions": sorted(self.suggestions),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CardOffer:
        return cls(
            reasons=frozenset((str(s), str(c)) for s, c in data.get("reasons") or ()),
            suggestions=frozenset(str(s) for s in data.get("suggestions") or ()),
        )


class CardRegistry(Protocol):
    """Where the offers of the cards sent are kept until feedback names them: the web app's store (a
    database table, so a restart or another worker still knows them), or process memory. Offers go in
    and out as JSON (``CardOffer.to_json``), so a store needs nothing from this module."""

    def remember_cards(self, service: str, offers: Mapping[str, dict[str, Any]]) -> None: ...

    def card_offer(self, service: str, card: str) -> dict[str, Any] | None: ...


class MemoryCards:
    """Card offers kept in this process only (the newest ``maxlen``): for a router used on its own."""

    def __init__(self, maxlen: int = 10_000) -> None:
        self.maxlen = maxlen
        self.offers: collections.OrderedDict[tuple[str, str], dict[str, Any]] = collections.OrderedDict()

    def remember_cards(self, service: str, offers: Mapping[str, dict[str, Any]]) -> None:
        for card, offer in offers.items():
            self.offers[(service, card)] = offer
            self.offers.move_to_end((service, card))
        while len(self.offers) > self.maxlen:
            self.offers.popitem(last=False)

    def card_offer(self, service: str, card: str) -> dict[str, Any] | None:
        return self.offers.get((service, card))


def offers_of(cards: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """card uuid -> its offer as JSON, for every card that has a uuid (a card offering nothing is kept
    too: feedback naming a reason for it is then known to be wrong)."""
    return {card["uuid"]: CardOffer.of_card(card).to_json() for card in cards if card.get("uuid")}


# ----------------------------------------------------------------------------------------- feedback check


def unknown_card(card: str, service: str) -> str:
    """Why feedback on a card the registry does not know is refused (the 422 detail after the element)."""
    return (
        f"'{card[:100]}' is not a card {service} sent, or it was sent more than {OFFER_RETENTION_DAYS} "
        "days ago (offers are kept that long); feedback is taken only for this service's own cards"
    )


def offer_problem(item: Mapping[str, Any], offer: CardOffer | None) -> str | None:
    """What in one (well-formed) feedback item the card did not offer (the element and why), or None.

    ``offer`` None checks the code system only (the service refuses feedback on unknown cards before)."""
    reasons = override_reasons()
    card = item["card"]
    reason = (item.get("overrideReason") or {}).get("reason")
    if reason is not None and reason["system"] == reasons.system:
        code = reason["code"]
        if code not in reasons.reasons:
            return (
                f"overrideReason.reason: '{code[:100]}' is not an mbcnav override reason "
                f"(known: {', '.join(reasons.reasons)})"
            )
        if offer is not None and (reasons.system, code) not in offer.reasons:
            offered = sorted(c for s, c in offer.reasons if s == reasons.system)
            return (
                f"overrideReason.reason: card {card[:100]} did not offer '{code}' "
                f"(it offered: {', '.join(offered) if offered else 'no override reasons'})"
            )
    if offer is not None:
        for n, accepted in enumerate(item.get("acceptedSuggestions") or ()):
            if accepted["id"] not in offer.suggestions:
                return (
                    f"acceptedSuggestions[{n}].id: card {card[:100]} has no suggestion "
                    f"'{accepted['id'][:100]}'"
                )
    return None
