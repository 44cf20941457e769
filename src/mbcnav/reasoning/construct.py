"""Building output models from already-validated parts, without pydantic's per-call overhead.

Why: ``model_construct`` looks up every field's alias and default in Python on each call, which costs
a few microseconds per model; the reasoning core builds thousands of alerts and options per second
from data that was validated when the rule files were loaded. The result is the same model as
``model_construct`` gives for the same arguments: ``__dict__`` in field order, the given fields
counted as set, the others at their defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

M = TypeVar("M", bound=BaseModel)

_set = object.__setattr__
#: defaults that can be shared between models as they are (``model_construct`` copies only mutable ones)
_IMMUTABLE = (type(None), bool, int, float, str, tuple, frozenset)


def _shared_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """Fields whose default is a plain immutable value, with that value: a call may leave these off."""
    return {
        name: field.default
        for name, field in model.model_fields.items()
        if field.default_factory is None
        and field.default is not PydanticUndefined
        and isinstance(field.default, _IMMUTABLE)
    }


def constructor(model: type[M]) -> Callable[..., M]:
    """A builder for ``model`` taking its fields by keyword, in field order.

    Fields may be left off the end when they have an immutable default (a field added to the model
    later keeps this path fast). Any other call (fields out of order, a required field or one with a
    default factory left out) goes through ``model_construct`` itself, so the result is always the same.
    """
    fields = tuple(model.model_fields)
    construct = model.model_construct
    if model.__private_attributes__ or model.__pydantic_post_init__:
        return construct  # private attributes or a post-init need pydantic's own path
    defaults = _shared_defaults(model)
    new = model.__new__

    def build(**values: Any) -> M:
        given = tuple(values)
        if given != fields:
            rest = fields[len(given) :]
            if given != fields[: len(given)] or any(name not in defaults for name in rest):
                return construct(**values)
            state = {**values, **{name: defaults[name] for name in rest}}
        else:
            state = values
        m = new(model)
        _set(m, "__dict__", state)
        _set(m, "__pydantic_fields_set__", set(given))
        _set(m, "__pydantic_extra__", None)
        _set(m, "__pydantic_private__", None)
        return m

    return build
