"""Glance's image and member JSON schemas, served at /v2/schemas/*, and validation against them.

The schema documents are Glance Zed's (`glance.api.v2.images.get_base_properties`, the permissive
image schema whose custom properties must be strings, the member schema). `validate` checks an
image document the way `glance.schema.Schema.validate` does with jsonschema, and words its 400 as
jsonschema's `ValidationError` text, which Glance puts in the message.
"""

from __future__ import annotations

import pprint
import re
from textwrap import indent
from typing import Any

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.image.faults import error

CONTAINER_FORMATS = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]
DISK_FORMATS = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"]
_UUID_PATTERN = (
    "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"
)


def _typed(kind: Any, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "description": description, **extra}


def _read_only(kind: Any, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "readOnly": True, "description": description, **extra}


BASE_PROPERTIES: dict[str, dict[str, Any]] = {
    "id": _typed("string", "An identifier for the image", pattern=_UUID_PATTERN),
    "name": _typed(["null", "string"], "Descriptive name for the image", maxLength=255),
    "status": _read_only(
        "string",
        "Status of the image",
        enum=[
            "queued",
            "saving",
            "active",
            "killed",
            "deleted",
            "uploading",
            "importing",
            "pending_delete",
            "deactivated",
        ],
    ),
    "visibility": _typed(
        "string",
        "Scope of image accessibility",
        enum=["community", "public", "private", "shared"],
    ),
    "protected": _typed("boolean", "If true, image will not be deletable."),
    "os_hidden": _typed(
        "boolean", "If true, image will not appear in default image list response."
    ),
    "checksum": _read_only(["null", "string"], "md5 hash of image contents.", maxLength=32),
    "os_hash_algo": _read_only(
        ["null", "string"], "Algorithm to calculate the os_hash_value", maxLength=64
    ),
    "os_hash_value": _read_only(
        ["null", "string"],
        "Hexdigest of the image contents using the algorithm specified by the os_hash_algo",
        maxLength=128,
    ),
    "owner": _typed(["null", "string"], "Owner of the image", maxLength=255),
    "size": _read_only(["null", "integer"], "Size of image file in bytes"),
    "virtual_size": _read_only(["null", "integer"], "Virtual size of image in bytes"),
    "container_format": _typed(
        ["null", "string"], "Format of the container", enum=[None, *CONTAINER_FORMATS]
    ),
    "disk_format": _typed(["null", "string"], "Format of the disk", enum=[None, *DISK_FORMATS]),
    "created_at": _read_only("string", "Date and time of image registration"),
    "updated_at": _read_only("string", "Date and time of the last image modification"),
    "tags": _typed(
        "array",
        "List of strings related to the image",
        items={"type": "string", "maxLength": 255},
    ),
    "direct_url": _read_only("string", "URL to access the image file kept in external store"),
    "min_ram": _typed("integer", "Amount of ram (in MB) required to boot image."),
    "min_disk": _typed("integer", "Amount of disk space (in GB) required to boot image."),
    "self": _read_only("string", "An image self url"),
    "file": _read_only("string", "An image file url"),
    "stores": _read_only(
        "string",
        "Store in which image data resides.  Only present when the operator has enabled "
        "multiple stores.  May be a comma-separated list of store identifiers.",
    ),
    "schema": _read_only("string", "An image schema url"),
    "locations": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "url": {"type": "string", "maxLength": 255},
                "metadata": {"type": "object"},
                "validation_data": {
                    "description": "Values to be used to populate the corresponding image "
                    "properties. If the image status is not 'queued', values must exactly "
                    "match those already contained in the image properties.",
                    "type": "object",
                    "writeOnly": True,
                    "additionalProperties": False,
                    "properties": {
                        "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
                        "os_hash_algo": {"type": "string", "maxLength": 64},
                        "os_hash_value": {"type": "string", "maxLength": 128},
                    },
                    "required": ["os_hash_algo", "os_hash_value"],
                },
            },
            "required": ["url", "metadata"],
        },
        "description": "A set of URLs to access the image file kept in external store",
    },
}

_CUSTOM_PROPERTY = {"type": "string"}

IMAGE_SCHEMA: dict[str, Any] = {
    "name": "image",
    "properties": BASE_PROPERTIES,
    "additionalProperties": _CUSTOM_PROPERTY,
    "links": [
        {"rel": "self", "href": "{self}"},
        {"rel": "enclosure", "href": "{file}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}

MEMBER_PROPERTIES: dict[str, dict[str, Any]] = {
    "member_id": _typed("string", "An identifier for the image member (tenantId)"),
    "image_id": _typed("string", "An identifier for the image", pattern=_UUID_PATTERN),
    "created_at": _typed("string", "Date and time of image member creation"),
    "updated_at": _typed("string", "Date and time of last modification of image member"),
    "status": _typed(
        "string", "The status of this image member", enum=["pending", "accepted", "rejected"]
    ),
    "schema": {"readOnly": True, "type": "string"},
}


def collection(name: str, item: dict[str, Any], *, minimal: bool) -> dict[str, Any]:
    """Glance's `CollectionSchema.raw()` (images) or `.minimal()` (members)."""
    if minimal:
        return {
            "name": name,
            "properties": {
                name: {"type": "array", "items": item},
                "schema": {"type": "string"},
            },
            "links": [{"rel": "describedby", "href": "{schema}"}],
        }
    return {
        "name": name,
        "properties": {
            name: {"type": "array", "items": item},
            "first": {"type": "string"},
            "next": {"type": "string"},
            "schema": {"type": "string"},
        },
        "links": [
            {"rel": "first", "href": "{first}"},
            {"rel": "next", "href": "{next}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }


def image_schema() -> dict[str, Any]:
    return {**IMAGE_SCHEMA, "additionalProperties": _CUSTOM_PROPERTY}


def images_schema() -> dict[str, Any]:
    return collection("images", {**IMAGE_SCHEMA, "additionalProperties": False}, minimal=False)


def member_schema() -> dict[str, Any]:
    return {"name": "member", "properties": MEMBER_PROPERTIES}


def members_schema() -> dict[str, Any]:
    return collection("members", member_schema(), minimal=True)


_JSON_TYPES = {
    "null": lambda v: v is None,
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def validate(document: dict[str, Any]) -> None:
    """Validate an image document (create body or one patched attribute) as Glance does."""
    for key, value in document.items():
        schema = BASE_PROPERTIES.get(key)
        if schema is None:
            _check(value, _CUSTOM_PROPERTY, ["additionalProperties"], [key])
        else:
            _check(value, schema, ["properties", key], [key])
            if key == "tags" and isinstance(value, list):
                for index, tag in enumerate(value):
                    _check(tag, schema["items"], ["properties", key, "items"], [key, index])


def _check(value: Any, schema: dict[str, Any], schema_path: list[Any], path: list[Any]) -> None:
    failure: tuple[str, str] | None = None
    kinds = schema.get("type")
    names = kinds if isinstance(kinds, list) else [kinds] if kinds else []
    pattern = schema.get("pattern")
    if names and not any(_JSON_TYPES[name](value) for name in names):
        shown = ", ".join(repr(name) for name in names)
        failure = ("type", f"{value!r} is not of type {shown}")
    elif "enum" in schema and value not in schema["enum"]:
        failure = ("enum", f"{value!r} is not one of {schema['enum']!r}")
    elif isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
        failure = ("maxLength", f"{value!r} is too long")
    elif isinstance(value, str) and pattern and not re.search(pattern, value):
        failure = ("pattern", f"{value!r} does not match {pattern!r}")
    if failure is not None:
        raise _invalid(failure, value, schema, schema_path, path)


def _invalid(
    failure: tuple[str, str],
    value: Any,
    schema: dict[str, Any],
    schema_path: list[Any],
    path: list[Any],
) -> ApiError:
    """Glance's InvalidObject, carrying jsonschema's `str(ValidationError)`."""
    validator, message = failure
    where = "schema" + "".join(f"[{part!r}]" for part in schema_path)
    instance = "instance" + "".join(f"[{part!r}]" for part in path)
    shown_schema = indent(pprint.pformat(schema, width=72), "    ").lstrip()
    shown_value = indent(pprint.pformat(value, width=72), "    ").lstrip()
    reason = (
        f"{message}\n\nFailed validating {validator!r} in {where}:\n    {shown_schema}\n\n"
        f"On {instance}:\n    {shown_value}"
    )
    return error(400, f"Provided object does not match schema 'image': {reason}")
