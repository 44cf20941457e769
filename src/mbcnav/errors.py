"""Named errors. Each one becomes a clear message at the edge (CLI exit 2, HTTP problem+json)."""

from __future__ import annotations


class MbcnavError(Exception):
    """Base class: every error a user can cause, with a message fit to show them."""

    #: the input field the error is about, in dotted form ("labs.calcium_mg_dl"), when known
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class CaseValidationError(MbcnavError):
    """A case does not follow the Case format (unknown field, impossible value, wrong type)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        text = "; ".join(f"{loc}: {msg}" if loc else msg for loc, msg in problems)
        super().__init__(text, field=problems[0][0] if problems else None)

    def __str__(self) -> str:
        return self.message  # every problem already names its field


class UnknownDrugError(MbcnavError):
    """A drug name that is neither a known generic nor a known brand name."""

    def __init__(self, name: str, suggestions: list[str], *, field: str | None = None) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown drug '{name}'.{hint}", field=field)


class UnknownTopicError(MbcnavError):
    """A knowledge topic id or title that does not exist."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" Try: {', '.join(suggestions)}." if suggestions else ""
        super().__init__(f"no topic matches '{name}'.{hint}")


class KnowledgeError(MbcnavError):
    """The knowledge files cannot be loaded (bad YAML, schema error)."""


class CalculatorInputError(MbcnavError):
    """A calculator was given an impossible or missing input."""


class FhirMappingError(MbcnavError):
    """A FHIR resource is malformed in a way that stops import."""
