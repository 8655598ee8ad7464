"""Keystone's request-body schemas and a validator that words failures as Keystone does.

Keystone validates bodies with jsonschema (Draft 4) and answers 400 with
``Invalid input for field '<path>': <jsonschema message>``, or the bare message when the failure
is at the top of the body. The emulator must not depend on jsonschema, so this module checks the
small subset of keywords Keystone's schemas use, in the order jsonschema visits them (schema key
order), and produces the same first error. Called by every identity resource module.
"""

from __future__ import annotations

import re
from typing import Any

from stackfleet.emulator.errors import ApiError

Schema = dict[str, Any]

_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def _nullable(schema: Schema) -> Schema:
    new = dict(schema)
    new["type"] = [schema["type"], "null"]
    if "enum" in new:
        new["enum"] = [*new["enum"], None]
    return new


BOOLEAN: Schema = {"type": "boolean", "enum": [True, False]}
NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"[\S]+"}
ID_STRING: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "pattern": r"^[a-zA-Z0-9-]+$",
}
DESCRIPTION: Schema = {"type": "string"}
URL: Schema = {"type": "string", "minLength": 0, "maxLength": 225, "pattern": "^[a-zA-Z0-9+.-]+:.+"}
OPTIONS: Schema = {"type": "object"}

_RESOURCE_NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"[\S]+"}
_TAGS: Schema = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^,/]*$"},
    "required": [],
    "maxItems": 80,
    "uniqueItems": True,
}
_PROJECT: Schema = {
    "description": _nullable(DESCRIPTION),
    "domain_id": _nullable(ID_STRING),
    "enabled": BOOLEAN,
    "is_domain": BOOLEAN,
    "parent_id": _nullable(ID_STRING),
    "name": _RESOURCE_NAME,
    "tags": _TAGS,
    "options": OPTIONS,
}
_DOMAIN: Schema = {
    "description": _nullable(DESCRIPTION),
    "enabled": BOOLEAN,
    "name": _RESOURCE_NAME,
    "tags": _TAGS,
}
_USER: Schema = {
    "default_project_id": _nullable(ID_STRING),
    "description": _nullable(DESCRIPTION),
    "domain_id": ID_STRING,
    "enabled": BOOLEAN,
    "name": NAME,
    "password": {"type": ["string", "null"]},
    "options": OPTIONS,
}
_ROLE: Schema = {"name": NAME, "description": DESCRIPTION, "options": OPTIONS}
_REGION: Schema = {
    "description": _nullable(DESCRIPTION),
    "id": {"type": "string"},
    "parent_region_id": {"type": ["string", "null"]},
}
_SERVICE: Schema = {
    "enabled": BOOLEAN,
    "name": NAME,
    "type": {"type": "string", "minLength": 1, "maxLength": 255},
}
_ENDPOINT: Schema = {
    "enabled": BOOLEAN,
    "interface": {"type": "string", "enum": ["admin", "internal", "public"]},
    "region_id": {"type": "string"},
    "region": {"type": "string"},
    "service_id": {"type": "string"},
    "url": URL,
}
_APP_CRED: Schema = {
    "name": NAME,
    "description": _nullable(DESCRIPTION),
    "secret": {"type": ["null", "string"]},
    "expires_at": {"type": ["null", "string"]},
    "roles": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"id": ID_STRING, "name": NAME},
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
        },
    },
    "unrestricted": BOOLEAN,
    "access_rules": {"type": "array"},
}


def _create(properties: Schema, *required: str) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    schema["additionalProperties"] = True
    return schema


def _update(properties: Schema) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "minProperties": 1,
        "additionalProperties": True,
    }


PROJECT_CREATE = _create(_PROJECT, "name")
PROJECT_UPDATE = _update(_PROJECT)
DOMAIN_CREATE = _create(_DOMAIN, "name")
DOMAIN_UPDATE = _update(_DOMAIN)
USER_CREATE = _create(_USER, "name")
USER_UPDATE = _update(_USER)
ROLE_CREATE = _create(_ROLE, "name")
ROLE_UPDATE = _update(_ROLE)
REGION_CREATE = _create(_REGION)
REGION_UPDATE = _update(_REGION)
SERVICE_CREATE = _create(_SERVICE, "type")
SERVICE_UPDATE = _update(_SERVICE)
ENDPOINT_CREATE = _create(_ENDPOINT, "interface", "service_id", "url")
ENDPOINT_UPDATE = _update(_ENDPOINT)
APPLICATION_CREDENTIAL_CREATE = _create(_APP_CRED, "name")
PASSWORD_CHANGE: Schema = {
    "type": "object",
    "properties": {"original_password": {"type": "string"}, "password": {"type": "string"}},
    "required": ["original_password", "password"],
    "additionalProperties": False,
}


def validate(schema: Schema, instance: object) -> None:
    """Raise Keystone's 400 for the first way `instance` breaks `schema`."""
    failure = _first_error(schema, instance, ())
    if failure is None:
        return
    path, message = failure
    if path:
        message = f"Invalid input for field '{'/'.join(map(str, path))}': {message}"
    raise ApiError(400, message)


Failure = tuple[tuple[object, ...], str]


def _first_error(schema: Schema, value: object, path: tuple[object, ...]) -> Failure | None:
    for keyword, expected in schema.items():
        if keyword == "additionalProperties":
            failure = _additional(schema, expected, value, path)
        else:
            check = _KEYWORDS.get(keyword)
            failure = check(expected, value, path) if check else None
        if failure is not None:
            return failure
    return None


def _additional(
    schema: Schema, expected: object, value: object, path: tuple[object, ...]
) -> Failure | None:
    if expected is not False or not isinstance(value, dict):
        return None
    extras = [name for name in value if name not in schema.get("properties", {})]
    if not extras:
        return None
    verb = "was" if len(extras) == 1 else "were"
    listed = ", ".join(repr(name) for name in extras)
    return path, f"Additional properties are not allowed ({listed} {verb} unexpected)"


def _type(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    types = expected if isinstance(expected, list) else [expected]
    if any(_TYPES[t](value) for t in types):
        return None
    return path, f"{value!r} is not of type {', '.join(repr(t) for t in types)}"


def _enum(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    # jsonschema compares with ==, but True must not equal 1 (it special-cases booleans).
    for option in expected:
        if option == value and isinstance(option, bool) == isinstance(value, bool):
            return None
    return path, f"{value!r} is not one of {expected!r}"


def _min_length(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    if isinstance(value, str) and len(value) < expected:
        return path, f"{value!r} is too short"
    return None


def _max_length(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    if isinstance(value, str) and len(value) > expected:
        return path, f"{value!r} is too long"
    return None


def _pattern(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    if isinstance(value, str) and not re.search(expected, value):
        return path, f"{value!r} does not match {expected!r}"
    return None


def _properties(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    if not isinstance(value, dict):
        return None
    for name, subschema in expected.items():
        if name in value:
            failure = _first_error(subschema, value[name], (*path, name))
            if failure is not None:
                return failure
    return None


def _required(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    if isinstance(value, dict):
        for name in expected:
            if name not in value:
                return path, f"{name!r} is a required property"
    return None


def _min_properties(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    if isinstance(value, dict) and len(value) < expected:
        return path, f"{value!r} does not have enough properties"
    return None


def _max_properties(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    if isinstance(value, dict) and len(value) > expected:
        return path, f"{value!r} has too many properties"
    return None


def _items(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    if not isinstance(value, list):
        return None
    for index, item in enumerate(value):
        failure = _first_error(expected, item, (*path, index))
        if failure is not None:
            return failure
    return None


def _max_items(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    if isinstance(value, list) and len(value) > expected:
        return path, f"{value!r} is too long"
    return None


def _unique_items(expected: Any, value: object, path: tuple[object, ...]) -> Failure | None:
    if expected and isinstance(value, list):
        seen: list[object] = []
        for item in value:
            if item in seen:
                return path, f"{value!r} has non-unique elements"
            seen.append(item)
    return None


_KEYWORDS: dict[str, Any] = {
    "type": _type,
    "enum": _enum,
    "minLength": _min_length,
    "maxLength": _max_length,
    "pattern": _pattern,
    "properties": _properties,
    "required": _required,
    "minProperties": _min_properties,
    "maxProperties": _max_properties,
    "items": _items,
    "maxItems": _max_items,
    "uniqueItems": _unique_items,
}
