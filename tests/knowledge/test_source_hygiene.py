"""The sources files point at the papers themselves, once each, and every claim cites the paper that
reports it (sweep 3 of issue 3)."""

from __future__ import annotations

import re

from mbcnav.knowledge.check import run_check
from mbcnav.knowledge.loader import read_all


def test_obrien_2004_pld_points_to_the_paper_doi_not_a_search() -> None:
    base, _ = read_all()
    assert str(base.sources["obrien-2004-pld"].url) == "https://doi.org/10.1093/annonc/mdh097"


def test_no_source_url_is_a_search_page_except_dailymed_label_lookups() -> None:
    base, _ = read_all()
    searches = [sid for sid, s in base.sources.items()
                if re.search(r"[?&](term|q)=", str(s.url)) and "dailymed" not in str(s.url)]
    assert not searches, searches


def test_shipped_base_has_one_id_per_url_and_no_uncited_source() -> None:
    report = run_check()
    assert report.ok, report.problems
    assert not report.warnings, report.warnings
    assert "ats-malignant-pleural-effusion-2018" not in report.kb.sources


def test_monarch_2_overall_survival_claims_cite_the_os_paper_sledge_2020() -> None:
    base, _ = read_all()
    source = base.sources["monarch-2-os"]
    assert str(source.url) == "https://doi.org/10.1001/jamaoncol.2019.4782" and "JAMA Oncol" in source.title
    claims = [item for item in base.items
              if re.search(r"MONARCH 2[^.]*\bOS\b|\bOS\b[^.]*MONARCH 2", item.clinician)]
    assert claims
    missing = [item.id for item in claims if "monarch-2-os" not in item.sources]
    assert not missing, missing
