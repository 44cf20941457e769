"""Calculator inputs from command-line options: `--node-short-axes-mm 12,8` → a validated inputs model.

`mbcnav calc` does not declare each calculator's options to click (a new calculator needs no CLI
code), so this module does the work click would do: it reads each value by its field's type (a list
field takes one value or several separated by commas, or the option repeated; a yes/no field may be
given alone) and, when a value is wrong, says so naming the option the person typed (``--height-cm``)
in words, not with pydantic's error codes or internal type names.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from mbcnav.errors import CalculatorInputError

Kind = Literal["list", "bool", "scalar"]

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def option_name(field: str) -> str:
    """The option a person types for a field: ``height_cm`` → ``--height-cm``."""
    return "--" + field.replace("_", "-")


def field_kind(annotation: Any) -> Kind:
    """How the command line gives a field: a list (commas or repeats), a flag, or one value."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return field_kind(inner[0]) if len(inner) == 1 else "scalar"
    if origin in (tuple, list, set, frozenset) or annotation in (tuple, list, set, frozenset):
        return "list"
    if annotation is bool:
        return "bool"
    return "scalar"


def build_inputs(model: type[BaseModel], args: list[str], calculator: str) -> BaseModel:
    """Validate ``--name value`` arguments against a calculator's inputs model.

    Raises CalculatorInputError whose field is the option (``--node-short-axes-mm``).
    """
    fields = model.model_fields
    values: dict[str, Any] = {}
    for option, key, value in _split(args):
        field = _resolve(key, list(fields))
        if field is None:
            known = " ".join(option_name(f) for f in fields)
            raise CalculatorInputError(
                f"unknown input for {calculator}; its inputs are: {known}", field=option
            )
        option = option_name(field)
        kind = field_kind(fields[field].annotation)
        if kind == "list":
            if value is None:
                raise CalculatorInputError(
                    f"needs a value: one number, or several separated by commas (e.g. {option} 12,8)",
                    field=option,
                )
            items = [v.strip() for v in value.split(",") if v.strip()]
            if not items:
                raise CalculatorInputError(f"needs at least one value (got '{value}')", field=option)
            values[field] = [*values.get(field, ()), *items]
            continue
        if field in values:
            raise CalculatorInputError("given more than once", field=option)
        if kind == "bool":
            values[field] = _bool(value, option)
        elif value is None:
            raise CalculatorInputError(f"needs a value (e.g. {option} VALUE)", field=option)
        else:
            values[field] = value
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _message(exc, list(fields)) from None


def _split(args: list[str]) -> list[tuple[str, str, str | None]]:
    """`--height-cm 170 --new-lesions` -> [("--height-cm", "height_cm", "170"), ("--new-lesions", ..., None)].

    A token after an option is its value unless it is itself an option, so ``--current-sum-mm -5``
    reaches validation (and its range message) instead of being read as an option.
    """
    out: list[tuple[str, str, str | None]] = []
    i = 0
    while i < len(args):
        token = args[i]
        if not token.startswith("--") or len(token) < 3:
            raise CalculatorInputError(f"unexpected argument '{token}'; give inputs as --name value")
        name, value = token[2:], None
        if "=" in name:
            name, value = name.split("=", 1)
        elif i + 1 < len(args) and not args[i + 1].startswith("--"):
            value = args[i + 1]
            i += 1
        out.append(("--" + name, name.replace("-", "_"), value))
        i += 1
    return out


def _resolve(key: str, fields: list[str]) -> str | None:
    """The field a name means: itself, or the one field it shortens (--baseline → baseline_sum_mm)."""
    if key in fields:
        return key
    matches = [f for f in fields if f.startswith(key + "_")]
    return matches[0] if len(matches) == 1 else None


def _bool(value: str | None, option: str) -> bool:
    if value is None:
        return True
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CalculatorInputError(
        f"'{value}' is not true or false (give {option} alone for true, or {option}=false)", field=option
    )


def _message(exc: ValidationError, fields: list[str]) -> CalculatorInputError:
    """Every problem in words, each naming its option, on one line."""
    problems: list[tuple[str | None, str]] = []
    for err in exc.errors(include_url=False):
        loc, got = err["loc"], err.get("input")
        text = _describe(err["type"], got, err.get("ctx") or {}, str(err["msg"]))
        if loc:
            if len(loc) > 1 and isinstance(loc[1], int):  # one value of a list option
                text = f"value {loc[1] + 1} of the list: {text}"
            problems.append((option_name(str(loc[0])), text))
            continue
        # a rule over several inputs: its message starts with the field it is about
        head, sep, rest = text.partition(": ")
        problems.append((option_name(head), rest) if sep and head in fields else (None, text))
    if len(problems) == 1:
        option, text = problems[0]
        return CalculatorInputError(text, field=option)
    return CalculatorInputError("; ".join(f"{o}: {t}" if o else t for o, t in problems))


def _describe(kind: str, got: Any, ctx: dict[str, Any], msg: str) -> str:
    if kind == "missing":
        return "required input is missing"
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return f"'{got}' is not a number"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"'{got}' is not a whole number"
    if kind in ("bool_parsing", "bool_type"):
        return f"'{got}' is not true or false"
    if kind in ("literal_error", "enum"):
        return f"'{got}' is not one of {ctx.get('expected', '')}"
    if kind == "greater_than_equal":
        return f"must be at least {_num(ctx['ge'])} (got {got})"
    if kind == "greater_than":
        return f"must be more than {_num(ctx['gt'])} (got {got})"
    if kind == "less_than_equal":
        return f"must be at most {_num(ctx['le'])} (got {got})"
    if kind == "less_than":
        return f"must be less than {_num(ctx['lt'])} (got {got})"
    if kind == "finite_number":
        return f"must be a finite number (got {got})"
    return msg.removeprefix("Value error, ")


def _num(value: Any) -> str:
    """100.0 → "100": limits read as people write them."""
    return f"{value:g}" if isinstance(value, int | float) else str(value)
