"""mbcnav: the metastatic breast cancer navigator.

One cited knowledge base and one pure reasoning core, explained in two voices (public and
clinician) through several thin shells (CLI, web, REST, FHIR, CDS Hooks).
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "mbcnav supports decisions; it does not replace your care team. "
    "Talk with your doctors and nurses before you act on anything here."
)
