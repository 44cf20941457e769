"""One YAML reader for every data file: libyaml's C parser when PyYAML was built with it.

Rules and knowledge are YAML, read once per process; with PyYAML's pure-Python parser that reading
was most of each command's start (about 1.5 s of ``mbcnav triage``). ``CSafeLoader`` parses the same
safe subset with the same constructor (plain data only, no Python objects), so the data are identical;
where PyYAML was built without libyaml the pure-Python ``SafeLoader`` is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The data of one YAML document (``yaml.safe_load``, faster)."""
    return yaml.load(text, Loader=SafeLoader)


def read_yaml(path: Path) -> Any:
    """The data of a UTF-8 YAML file."""
    return load_yaml(path.read_text(encoding="utf-8"))
