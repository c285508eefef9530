"""Evented state without Qt: the base every lesson state and the app state build on.

A state is a dataclass decorated with psygnal's ``@evented`` (the mechanism
napari's models use) that also inherits :class:`StateModel`::

    @evented
    @dataclass
    class PoolingState(StateModel):
        size: int = 2
        stride: int = 2

    state.events.size.connect(view.on_size_changed)   # one signal per field
    state.size = 3                                     # emits; setting 3 again does not

Arrays are compared by value, so a field emits only on a real change.
``to_dict()`` gives plain JSON (arrays as ``{"dtype", "shape", "data"}``) and
``from_dict()`` checks every value against the field's type before building a
new state, raising ``ValueError`` with a plain sentence for anything malformed.
Fields whose metadata says ``{"session": False}`` (a model object, a cache)
are left out of both.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any, ClassVar

import numpy as np

#: Largest array a saved state may hold (elements), so a hostile file cannot allocate gigabytes.
MAX_ARRAY_ELEMENTS = 16_000_000
#: Largest whole number a saved state may hold (Qt widgets use 32-bit integers).
MAX_INT = 2**31 - 1
#: Largest list a saved state may hold.
MAX_LIST_LENGTH = 100_000


def transient(default=None, **kwargs):
    """A dataclass field that is part of the live state but not of saved sessions (e.g. a model)."""
    if callable(default) and not isinstance(default, type):
        return dataclasses.field(default_factory=default, metadata={"session": False}, **kwargs)
    return dataclasses.field(default=default, metadata={"session": False}, **kwargs)


def array_field(factory):
    """A dataclass field holding an ndarray, created by ``factory()``."""
    return dataclasses.field(default_factory=factory)


def encode(value: Any) -> Any:
    """A JSON-ready copy of ``value`` (ndarray, tuple, list, dict, number, str, bool, None)."""
    if isinstance(value, StateModel):  # a nested state (e.g. a widget's own state inside a lesson's)
        return value.to_dict()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"cannot save an array of dtype {value.dtype}")
        return {"dtype": value.dtype.str, "shape": list(value.shape), "data": value.ravel().tolist()}
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # JSON has no NaN / inf; decode() reads them back
    if isinstance(value, (tuple, list)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot save a value of type {type(value).__name__}")


def _decode_array(where: str, data: Any) -> np.ndarray:
    if not isinstance(data, dict) or set(data) != {"dtype", "shape", "data"}:
        raise ValueError(f"{where} should be an array ({{dtype, shape, data}}), got {type(data).__name__}")
    try:
        dtype = np.dtype(data["dtype"])
    except TypeError as exc:
        raise ValueError(f"{where} has an unknown dtype {data['dtype']!r}") from exc
    if dtype.kind not in "biuf":
        raise ValueError(f"{where} has dtype {dtype}, expected numbers")
    shape = data["shape"]
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n
                                              for n in shape) or len(shape) > 6:
        raise ValueError(f"{where} has an invalid shape {shape!r}")
    size = int(np.prod(shape)) if shape else 1
    if size > MAX_ARRAY_ELEMENTS:
        raise ValueError(f"{where} is too large ({size:,} values; at most {MAX_ARRAY_ELEMENTS:,})")
    values = data["data"]
    if not isinstance(values, list) or len(values) != size:
        raise ValueError(f"{where} should hold {size} values for shape {tuple(shape)}")
    try:
        array = np.array([_number(where, v) for v in values], dtype=np.float64)
        if dtype.kind != "f":
            if not np.all(np.isfinite(array)) or not np.array_equal(array, np.round(array)):
                raise ValueError(f"{where} should hold whole numbers")
        return array.astype(dtype).reshape(shape)
    except OverflowError as exc:
        raise ValueError(f"{where} holds a number too large for {dtype}") from exc


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{where} holds true/false where a number was expected")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    raise ValueError(f"{where} holds {value!r} where a number was expected")


def decode(where: str, kind: Any, data: Any) -> Any:
    """Turn JSON ``data`` back into a value of type ``kind``, or raise ValueError naming ``where``."""
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if kind is Any or kind is object:
        return data
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        errors = []
        for option in args:
            if option is type(None):
                continue
            try:
                return decode(where, option, data)
            except ValueError as exc:
                errors.append(str(exc))
        raise ValueError(errors[0] if errors else f"{where} cannot be {data!r}")
    if kind is type(None):
        if data is not None:
            raise ValueError(f"{where} should be empty (null), got {data!r}")
        return None
    if kind is np.ndarray:
        return _decode_array(where, data)
    if kind is bool:
        if not isinstance(data, bool):
            raise ValueError(f"{where} should be true or false, got {data!r}")
        return data
    if kind is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise ValueError(f"{where} should be a whole number, got {data!r}")
        if not -MAX_INT <= data <= MAX_INT:  # Qt's spin boxes and indices are 32-bit
            raise ValueError(f"{where} is out of range ({data}); whole numbers here are at most {MAX_INT:,}")
        return data
    if kind is float:
        return _number(where, data)
    if kind is str:
        if not isinstance(data, str):
            raise ValueError(f"{where} should be text, got {type(data).__name__}")
        return data
    if origin in (tuple, list) or kind in (tuple, list):
        if not isinstance(data, list):
            raise ValueError(f"{where} should be a list, got {type(data).__name__}")
        if len(data) > MAX_LIST_LENGTH:
            raise ValueError(f"{where} is too long ({len(data):,} items)")
        container = tuple if (origin or kind) is tuple else list
        if not args:
            return container(_plain(f"{where}[{i}]", v, container) for i, v in enumerate(data))
        if container is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(data) != len(args):
                raise ValueError(f"{where} should have {len(args)} items, got {len(data)}")
            return tuple(decode(f"{where}[{i}]", a, v) for i, (a, v) in enumerate(zip(args, data)))
        return container(decode(f"{where}[{i}]", args[0], v) for i, v in enumerate(data))
    if origin is dict or kind is dict:
        if not isinstance(data, dict):
            raise ValueError(f"{where} should be a mapping, got {type(data).__name__}")
        value_kind = args[1] if len(args) == 2 else Any
        return {k: decode(f"{where}[{k!r}]", value_kind, v) for k, v in data.items()}
    if isinstance(kind, type) and issubclass(kind, StateModel):
        return kind.from_dict(data, where)
    raise ValueError(f"{where}: cannot read a value of type {kind!r}")


def _plain(where: str, value: Any, container: type) -> Any:
    """An untyped list item: nested lists keep the container type (tuples stay tuples)."""
    if isinstance(value, list):
        return container(_plain(f"{where}[{i}]", v, container) for i, v in enumerate(value))
    if isinstance(value, dict) and set(value) == {"dtype", "shape", "data"}:
        return _decode_array(where, value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"{where} holds an unreadable value")


class StateModel:
    """Mixin for evented dataclasses: plain-JSON round trips and validated loading.

    Subclasses may override :meth:`validate` to check ranges and relations
    between fields (raise ``ValueError`` with a sentence a user can act on).
    """

    #: Shown in error messages ("the convolution lesson's state").
    state_name: ClassVar[str] = "state"

    @classmethod
    def _session_fields(cls) -> list[dataclasses.Field]:
        return [f for f in dataclasses.fields(cls) if f.metadata.get("session", True)]

    def to_dict(self) -> dict:
        """Every saved field as plain JSON-ready data."""
        return {f.name: encode(getattr(self, f.name)) for f in self._session_fields()}

    @classmethod
    def from_dict(cls, data: Any, where: str | None = None):
        """A new state from :meth:`to_dict` output; ``ValueError`` for anything malformed.

        Missing fields take their defaults (files from older versions still
        open); unknown fields are refused, so a damaged file is not half-read.
        """
        where = where or cls.state_name
        if not isinstance(data, dict):
            raise ValueError(f"{where} should be a mapping of fields, got {type(data).__name__}")
        fields = {f.name: f for f in cls._session_fields()}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ValueError(f"{where} has unknown field(s): {', '.join(map(str, unknown))}")
        hints = typing.get_type_hints(cls)
        values = {name: decode(f"{where}.{name}", hints[name], value) for name, value in data.items()}
        try:
            state = cls(**values)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where} is not valid: {exc}") from exc
        state.validate()
        return state

    @classmethod
    def complete(cls, data: dict) -> dict:
        """Fill in the fields that a partial dict implies (a tour step names a preset, not its arrays).

        Called by :meth:`from_partial` before the defaults are added. The base
        class adds nothing; a lesson whose fields come together from one choice
        (an example's input and kernels, a random scene's image and labels)
        overrides it. Must not change a field the dict gives.
        """
        return data

    @classmethod
    def from_partial(cls, data: Any, where: str | None = None):
        """A new state from some fields only: what they imply (:meth:`complete`), defaults for the rest.

        ``ValueError`` for anything malformed, as :meth:`from_dict`.
        """
        where = where or cls.state_name
        if not isinstance(data, dict):
            raise ValueError(f"{where} should be a mapping of fields, got {type(data).__name__}")
        unknown = sorted(set(data) - {f.name for f in cls._session_fields()})
        if unknown:
            raise ValueError(f"{where} has unknown field(s): {', '.join(map(str, unknown))}")
        full = cls().to_dict()
        full.update(cls.complete(dict(data)))
        return cls.from_dict(full, where)

    def validate(self) -> None:
        """Raise ``ValueError`` if the fields do not make a usable state (override to check ranges)."""

    def update_from(self, other: StateModel) -> None:
        """Take every saved field of ``other``; each changed field emits its signal once."""
        if type(other) is not type(self):
            raise TypeError(f"cannot update a {type(self).__name__} from a {type(other).__name__}")
        for f in self._session_fields():
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, StateModel) and type(mine) is type(theirs):
                mine.update_from(theirs)  # keep the nested state object: views stay connected to it
            else:
                setattr(self, f.name, theirs)

    def restore(self, data: Any) -> None:
        """Validate ``data`` completely, then apply it (nothing changes if it is refused)."""
        self.update_from(type(self).from_dict(data))


def check_range(where: str, value: float, low: float, high: float) -> None:
    """``ValueError`` unless ``low <= value <= high`` (for :meth:`StateModel.validate`)."""
    if not (low <= value <= high):
        raise ValueError(f"{where} must be between {low} and {high}, got {value}")


def check_choice(where: str, value: Any, choices) -> None:
    """``ValueError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{where} must be one of {', '.join(map(str, choices))}; got {value!r}")
