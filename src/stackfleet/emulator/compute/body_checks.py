"""Nova's request validation: a small JSON-Schema (draft 4) checker with Nova's error wording.

Nova validates request bodies and query strings against JSON schemas (`nova/api/validation`) and
answers 400 with jsonschema's message wrapped in "Invalid input for field/attribute ...". The
compute handlers (flavors, keypairs, quotas, server groups, services) transcribe Nova's schemas as
plain dicts and call `check_body` / `check_query`, so clients see the same 400 messages as from a
real Nova. Only the keywords Nova's schemas use are supported.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from stackfleet.emulator.errors import ApiError

Schema = Mapping[str, Any]

NAME_REASON = "printable characters. Can not start or end with whitespace."
"""Why `format: name` rejects a value (nova.api.validation.parameter_types.valid_name_regex)."""

INVALID_NAME = "An invalid 'name' value was provided. The name must be: %s"

BOOLEAN: Schema = {
    "type": ["boolean", "string"],
    "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
             False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"],
}  # fmt: skip
"""parameter_types.boolean"""

TRUE_STRINGS = frozenset({"true", "1", "on", "yes", "y", "t"})

NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 255, "format": "name"}
NON_NEGATIVE_INTEGER: Schema = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]*$",
    "minimum": 0,
    "minLength": 1,
}
POSITIVE_INTEGER: Schema = {**NON_NEGATIVE_INTEGER, "minimum": 1}


class _Invalid(Exception):
    """One schema violation: jsonschema's message, where it is, and the offending value."""

    def __init__(self, message: str, path: list[str | int], instance: Any, cause: bool) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.instance = instance
        self.cause = cause
        """True when the message comes from a format checker (Nova shows it alone)."""


def is_printable_name(value: str) -> bool:
    """Nova's `format: name`: printable characters, no leading or trailing whitespace."""

    def printable(char: str) -> bool:
        category = unicodedata.category(char)
        return not category.startswith("C") and (not category.startswith("Z") or category == "Zs")

    if not all(printable(c) for c in value):
        return False
    edges = (value[0], value[-1]) if value else ()
    return not any(unicodedata.category(c) == "Zs" for c in edges)


def keypair_name_checker(safe: str) -> Callable[[Any], str | None]:
    """Nova's keypair name formats (`keypair_name_20`, `keypair_name_292`)."""

    def check(value: Any) -> str | None:
        if isinstance(value, str) and all(c in safe for c in value):
            return None
        return INVALID_NAME % f"Only expected characters: [{safe}]"

    return check


def _check_name(value: Any) -> str | None:
    if isinstance(value, str) and is_printable_name(value):
        return None
    return INVALID_NAME % NAME_REASON


FORMATS: dict[str, Callable[[Any], str | None]] = {
    "name": _check_name,
    "keypair_name_20": keypair_name_checker("_- 0123456789" + string.ascii_letters),
    "keypair_name_292": keypair_name_checker("@._- 0123456789" + string.ascii_letters),
}


def check_body(schema: Schema, body: Any) -> None:
    """Validate a request body; raise Nova's 400 for the first violation."""
    # Nova formats the offending value with `%s` of the parsed JSON: Python's str of it.
    try:
        _validate(schema, body, [])
    except _Invalid as exc:
        if exc.cause or not exc.path:
            raise ApiError(400, exc.message) from None
        field = exc.path[-1]
        raise ApiError(
            400, f"Invalid input for field/attribute {field}. Value: {exc.instance}. {exc.message}"
        ) from None


def check_query(
    properties: Mapping[str, Schema], params: Mapping[str, list[str]], *, strict: bool = False
) -> None:
    """Validate query parameters (each a list of values, as Nova sees them).

    Args:
        properties: the schema of each known parameter's values.
        params: the query string, each name with all its values.
        strict: reject unknown parameters (Nova does so from microversion 2.75 on).
    """
    for key, values in params.items():
        schema = properties.get(key)
        if schema is None:
            continue
        try:
            _validate({"type": "array", "items": schema}, values, [key])
        except _Invalid as exc:
            if exc.cause:
                raise ApiError(400, exc.message) from None
            raise ApiError(
                400,
                f"Invalid input for query parameters {key}. Value: {exc.instance}. {exc.message}",
            ) from None
    extras = [key for key in params if key not in properties]
    if strict and extras:
        verb = "was" if len(extras) == 1 else "were"
        shown = ", ".join(repr(key) for key in extras)
        raise ApiError(400, f"Additional properties are not allowed ({shown} {verb} unexpected)")


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _validate(schema: Schema, value: Any, path: list[str | int]) -> None:
    for keyword, argument in schema.items():
        check = _KEYWORDS.get(keyword)
        if check is not None:
            check(argument, value, path, schema)


def _type(types: str | list[str], value: Any, path: list[str | int], _: Schema) -> None:
    names = [types] if isinstance(types, str) else types
    if not any(_TYPES[name](value) for name in names):
        shown = ", ".join(repr(name) for name in names)
        raise _Invalid(f"{value!r} is not of type {shown}", path, value, False)


def _enum(options: list[Any], value: Any, path: list[str | int], _: Schema) -> None:
    # JSON Schema compares booleans and numbers strictly (True is not 1).
    if not any(type(value) is type(option) and value == option for option in options):
        raise _Invalid(f"{value!r} is not one of {options!r}", path, value, False)


def _number(value: Any) -> int | float | None:
    """Nova compares numeric strings against minimum/maximum as numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        for parse in (int, float):
            try:
                return parse(value)
            except ValueError:
                continue
    return None


def _minimum(minimum: float, value: Any, path: list[str | int], schema: Schema) -> None:
    number = _number(value)
    if number is None:
        return
    exclusive = bool(schema.get("exclusiveMinimum"))
    if number < minimum or (exclusive and number == minimum):
        how = "less than or equal to" if exclusive else "less than"
        raise _Invalid(f"{number!r} is {how} the minimum of {minimum!r}", path, value, False)


def _maximum(maximum: float, value: Any, path: list[str | int], _: Schema) -> None:
    number = _number(value)
    if number is not None and number > maximum:
        raise _Invalid(f"{number!r} is greater than the maximum of {maximum!r}", path, value, False)


def _min_length(length: int, value: Any, path: list[str | int], _: Schema) -> None:
    if isinstance(value, str) and len(value) < length:
        raise _Invalid(f"{value!r} is too short", path, value, False)


def _max_length(length: int, value: Any, path: list[str | int], _: Schema) -> None:
    if isinstance(value, str) and len(value) > length:
        raise _Invalid(f"{value!r} is too long", path, value, False)


def _max_items(count: int, value: Any, path: list[str | int], _: Schema) -> None:
    if isinstance(value, list) and len(value) > count:
        raise _Invalid(f"{value!r} is too long", path, value, False)


def _pattern(pattern: str, value: Any, path: list[str | int], _: Schema) -> None:
    if isinstance(value, str) and re.search(pattern, value) is None:
        raise _Invalid(f"{value!r} does not match {pattern!r}", path, value, False)


def _format(name: str, value: Any, path: list[str | int], _: Schema) -> None:
    message = FORMATS[name](value)
    if message is not None:
        raise _Invalid(message, path, value, True)


def _properties(props: Schema, value: Any, path: list[str | int], _: Schema) -> None:
    if isinstance(value, dict):
        for key, sub in props.items():
            if key in value:
                _validate(sub, value[key], [*path, key])


def _required(names: list[str], value: Any, path: list[str | int], _: Schema) -> None:
    if isinstance(value, dict):
        for key in names:
            if key not in value:
                raise _Invalid(f"{key!r} is a required property", path, value, False)


def _additional(allowed: bool | Schema, value: Any, path: list[str | int], schema: Schema) -> None:
    if not isinstance(value, dict):
        return
    known = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extras = [
        key for key in value if key not in known and not any(re.search(p, key) for p in patterns)
    ]
    if allowed is False and extras:
        verb = "was" if len(extras) == 1 else "were"
        shown = ", ".join(repr(key) for key in extras)
        raise _Invalid(
            f"Additional properties are not allowed ({shown} {verb} unexpected)", path, value, False
        )
    if isinstance(allowed, Mapping):
        for key in extras:
            _validate(allowed, value[key], [*path, key])


def _pattern_properties(patterns: Schema, value: Any, path: list[str | int], _: Schema) -> None:
    if isinstance(value, dict):
        for pattern, sub in patterns.items():
            for key in value:
                if re.search(pattern, key):
                    _validate(sub, value[key], [*path, key])


def _items(sub: Schema | list[Schema], value: Any, path: list[str | int], _: Schema) -> None:
    if not isinstance(value, list):
        return
    # A list of schemas validates by position (draft 4 tuple validation).
    schemas = sub if isinstance(sub, list) else [sub] * len(value)
    for index, (item, schema) in enumerate(zip(value, schemas, strict=False)):
        _validate(schema, item, [*path, index])


def _additional_items(allowed: bool, value: Any, path: list[str | int], schema: Schema) -> None:
    positional = schema.get("items")
    if allowed is not False or not isinstance(positional, list) or not isinstance(value, list):
        return
    extras = value[len(positional) :]
    if extras:
        verb = "was" if len(extras) == 1 else "were"
        shown = ", ".join(repr(item) for item in extras)
        raise _Invalid(
            f"Additional items are not allowed ({shown} {verb} unexpected)", path, value, False
        )


def _min_items(count: int, value: Any, path: list[str | int], _: Schema) -> None:
    if isinstance(value, list) and len(value) < count:
        raise _Invalid(f"{value!r} is too short", path, value, False)


def _unique_items(unique: bool, value: Any, path: list[str | int], _: Schema) -> None:
    if unique and isinstance(value, list):
        seen = [repr(item) for item in value]
        if len(set(seen)) != len(seen):
            raise _Invalid(f"{value!r} has non-unique elements", path, value, False)


def _all_of(schemas: list[Schema], value: Any, path: list[str | int], _: Schema) -> None:
    for sub in schemas:
        _validate(sub, value, path)


def _min_properties(count: int, value: Any, path: list[str | int], _: Schema) -> None:
    if isinstance(value, dict) and len(value) < count:
        raise _Invalid(f"{value!r} does not have enough properties", path, value, False)


def _max_properties(count: int, value: Any, path: list[str | int], _: Schema) -> None:
    if isinstance(value, dict) and len(value) > count:
        raise _Invalid(f"{value!r} has too many properties", path, value, False)


_Keyword = Callable[[Any, Any, list[str | int], Schema], None]

_KEYWORDS: dict[str, _Keyword] = {
    "type": _type,
    "enum": _enum,
    "minimum": _minimum,
    "maximum": _maximum,
    "minLength": _min_length,
    "maxLength": _max_length,
    "maxItems": _max_items,
    "pattern": _pattern,
    "format": _format,
    "properties": _properties,
    "required": _required,
    "additionalProperties": _additional,
    "patternProperties": _pattern_properties,
    "items": _items,
    "additionalItems": _additional_items,
    "minItems": _min_items,
    "uniqueItems": _unique_items,
    "allOf": _all_of,
    "minProperties": _min_properties,
    "maxProperties": _max_properties,
}


def is_true(value: Any) -> bool:
    """Parse like oslo bool_from_string (non-strict), for Nova's boolean fields."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE_STRINGS
