"""Public breast cancer survival datasets that install offline inside their Python packages.

Each loader returns a pandas DataFrame with a numeric ``time`` column and a 0/1 ``event`` column, so
every analysis function takes the same shape. Provenance is in each docstring and in ``DATASETS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mbcnav.errors import MbcnavError


class DatasetError(MbcnavError):
    """A dataset or a user's table cannot be used for survival analysis (columns, values)."""


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    provenance: str
    time_unit: str
    loader: Callable[[], pd.DataFrame]
    #: ordered categorical columns and their level order (for polynomial contrasts in Cox models)
    ordered: dict[str, tuple[str, ...]]
    default_covariates: tuple[str, ...]


#: ordered tumour-grade levels, lowest first: used both to load the data and to code Cox contrasts
GBSG2_GRADES: tuple[str, ...] = ("I", "II", "III")
DESMEDT_GRADES: tuple[str, ...] = ("well differentiated", "intermediate", "poorly differentiated")


def load_gbsg2() -> pd.DataFrame:
    """German Breast Cancer Study Group 2: 686 women with node-positive primary breast cancer.

    Recurrence-free survival in days (``time``) and recurrence/death (``event``, 1 = event; 299
    events). Columns: horTh (hormonal therapy yes/no), age, menostat (Pre/Post), tsize (mm), tgrade
    (I/II/III), pnodes, progrec and estrec (fmol/l). Example row: no, 70, Post, 21, II, 3, 48, 66,
    1814, 1.

    Reference: Schumacher M et al. J Clin Oncol 1994;12:2086-2093; Sauerbrei W, Royston P. J R Stat
    Soc A 1999;162:71-94. Shipped inside the lifelines wheel (lifelines.datasets.load_gbsg2).
    """
    from lifelines.datasets import load_gbsg2 as _load

    frame = _load().rename(columns={"cens": "event"})
    # Level orders as in R's TH.data::GBSG2, so model terms read horThyes, menostatPost, tgrade.L/Q.
    frame["horTh"] = pd.Categorical(frame["horTh"], categories=["no", "yes"])
    frame["menostat"] = pd.Categorical(frame["menostat"], categories=["Pre", "Post"])
    frame["tgrade"] = pd.Categorical(frame["tgrade"], categories=GBSG2_GRADES, ordered=True)
    return frame


def load_desmedt2007() -> pd.DataFrame:
    """Desmedt 2007 (TRANSBIG) cohort: 198 node-negative, untreated breast cancer patients.

    Time to distant metastasis in days (``time``) and distant metastasis (``event``); clinical
    columns age, er (positive/negative), grade, size (cm), plus 76 gene-expression columns.

    Reference: Desmedt C et al. Clin Cancer Res 2007;13:3207-3214. Shipped inside the
    scikit-survival wheel (sksurv.datasets.load_breast_cancer).
    """
    from sksurv.datasets import load_breast_cancer

    features, outcome = load_breast_cancer()
    frame = features.copy()
    frame["time"] = outcome["t.tdm"].astype(float)
    frame["event"] = outcome["e.tdm"].astype(int)
    frame["er"] = frame["er"].astype(str)
    # Two rows say "unkown" (sic) in the source file: they are missing values, not a fourth grade.
    frame["grade"] = pd.Categorical(
        frame["grade"].astype(str).replace({"unkown": None}),
        categories=DESMEDT_GRADES,
        ordered=True,
    )
    return frame


DATASETS: dict[str, Dataset] = {
    "gbsg2": Dataset(
        name="gbsg2",
        title="German Breast Cancer Study Group 2 (n=686, recurrence-free survival)",
        provenance="Schumacher 1994 J Clin Oncol 12:2086; data from the lifelines package",
        time_unit="days",
        loader=load_gbsg2,
        ordered={"tgrade": GBSG2_GRADES},
        default_covariates=(
            "horTh",
            "age",
            "menostat",
            "tsize",
            "tgrade",
            "pnodes",
            "progrec",
            "estrec",
        ),
    ),
    "desmedt2007": Dataset(
        name="desmedt2007",
        title="Desmedt 2007 TRANSBIG cohort (n=198, time to distant metastasis)",
        provenance="Desmedt 2007 Clin Cancer Res 13:3207; data from the scikit-survival package",
        time_unit="days",
        loader=load_desmedt2007,
        ordered={"grade": DESMEDT_GRADES},
        default_covariates=("age", "er", "grade", "size"),
    ),
}


def load_dataset(name: str) -> tuple[pd.DataFrame, Dataset]:
    if name == "synthetic":
        from mbcnav.analytics.synthetic import SYNTHETIC, synthetic_mbc_cohort

        return synthetic_mbc_cohort(), SYNTHETIC
    dataset = DATASETS.get(name)
    if dataset is None:
        raise DatasetError(
            f"unknown dataset '{name}'; use one of {', '.join([*DATASETS, 'synthetic'])} or --file",
            field="dataset",
        )
    return dataset.loader(), dataset


def read_table(path: Path) -> pd.DataFrame:
    """A user's CSV or Parquet file, read through DuckDB (types inferred, large files streamed)."""
    import duckdb

    if not path.exists():
        raise DatasetError(f"file not found: {path}", field="file")
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".parquet", ".pq", ".tsv"}:
        raise DatasetError(f"{path.name}: use a .csv, .tsv or .parquet file", field="file")
    if suffix in {".parquet", ".pq"}:
        query, kind = "SELECT * FROM read_parquet(?)", "Parquet"
    else:
        # Numbers are typed, everything else stays text: DuckDB's sniffer would turn yes/no into
        # booleans (groups "True"/"False", Cox term "horTh" instead of "horThyes"), unlike the same
        # data from Parquet or a shipped dataset.
        query, kind = f"SELECT * FROM read_csv(?, auto_type_candidates = {CSV_TYPES})", "CSV"
    try:
        return duckdb.sql(query, params=[str(path)]).df()  # type: ignore[call-arg]
    except duckdb.Error as exc:
        raise DatasetError(
            f"{path.name}: cannot be read as {kind}: {_first_line(exc)}", field="file"
        ) from None


#: the types a CSV column may take (DuckDB tries them in this order); no BOOLEAN, DATE or TIME
CSV_TYPES = "['BIGINT', 'DOUBLE', 'VARCHAR']"


def _first_line(exc: Exception) -> str:
    """DuckDB's first line says what is wrong; the lines after it quote its internal SQL."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _plain(value: object) -> str:
    """A cell as the user wrote it: 'abc', -3, 2.5 or 'missing' (no numpy reprs such as np.int64(-3))."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return "a missing value"
    if hasattr(value, "item"):
        value = value.item()  # numpy scalar -> Python number
    return repr(value) if isinstance(value, str) else str(value)


def survival_frame(frame: pd.DataFrame, time: str, event: str) -> pd.DataFrame:
    """Check the time and event columns and return a copy with ``time``/``event`` as numbers.

    Times must be present, numeric and >= 0; events must be 0/1 (or true/false). Each problem names
    the column and the first bad row, so a user can fix the file.
    """
    missing = [c for c in (time, event) if c not in frame.columns]
    if missing:
        raise DatasetError(
            f"column(s) {', '.join(missing)} not found; the table has: {', '.join(map(str, frame.columns))}",
            field="time" if time in missing else "event",
        )
    if len(frame) == 0:
        raise DatasetError("the table has a header but no rows", field="file")
    out = frame.copy()
    times = pd.to_numeric(out[time], errors="coerce")
    bad = times.isna() | (times < 0)
    if bad.any():
        row = int(bad.values.argmax())
        raise DatasetError(
            f"column '{time}' must hold numbers >= 0; data row {row + 1} has {_plain(out[time].iloc[row])}",
            field="time",
        )
    raw_events = out[event]
    if raw_events.dtype == bool:
        events = raw_events.astype(int)
    else:
        words = {"true": 1, "false": 0}
        if raw_events.dtype == object:
            raw_events = raw_events.map(
                lambda v: words.get(v.strip().lower(), v) if isinstance(v, str) else v
            )
        events = pd.to_numeric(raw_events, errors="coerce")
    bad = ~events.isin([0, 1])
    if bad.any():
        row = int(bad.values.argmax())
        value = _plain(out[event].iloc[row])
        raise DatasetError(
            f"column '{event}' must be 0/1 (1 = event); data row {row + 1} has {value}", field="event"
        )
    out = out.drop(columns=[c for c in ("time", "event") if c in out.columns and c not in (time, event)])
    out["time"] = times.astype(float)
    out["event"] = events.astype(int)
    return out


#: days in each unit a shipped dataset's time can be shown in; a month is a year / 12 = 30.4375 days
DAYS_PER_UNIT: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": 30.4375, "years": 365.25}


def convert_time(frame: pd.DataFrame, from_unit: str, to_unit: str) -> tuple[pd.DataFrame, str, float]:
    """A shipped dataset's time on another scale, the unit's plain name and the divisor used
    (days -> months: 30.4375).

    A dataset's unit is known, so a different ``--time-unit`` must rescale the numbers: only
    relabelling them would show GBSG2's 1528-day median as 1528 months.
    """
    unit = normalise_unit(to_unit)
    if unit not in DAYS_PER_UNIT:
        raise DatasetError(
            f"--time-unit '{to_unit}': this dataset's time is in {from_unit}; "
            f"choose one of {', '.join(DAYS_PER_UNIT)}",
            field="time_unit",
        )
    factor = DAYS_PER_UNIT[unit] / DAYS_PER_UNIT[from_unit]
    return frame.assign(time=frame["time"] / factor), unit, factor


def normalise_unit(unit: str) -> str:
    """'month' and 'Months' name the same unit as 'months'."""
    text = unit.strip().lower()
    return text + "s" if text in {u[:-1] for u in DAYS_PER_UNIT} else text
