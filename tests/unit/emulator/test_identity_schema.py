"""Keystone body validation: the first error, worded as Keystone's jsonschema words it."""

from __future__ import annotations

import pytest

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.identity import schema


def _message(body_schema: schema.Schema, body: object) -> str:
    with pytest.raises(ApiError) as caught:
        schema.validate(body_schema, body)
    assert caught.value.status == 400
    return caught.value.message


def test_valid_bodies_pass() -> None:
    schema.validate(schema.PROJECT_CREATE, {"name": "p", "enabled": False, "extra": 1})
    schema.validate(schema.USER_CREATE, {"name": "u", "password": None, "domain_id": "default"})
    schema.validate(
        schema.APPLICATION_CREDENTIAL_CREATE, {"name": "a", "roles": [{"name": "member"}]}
    )


def test_missing_required_property_has_no_field_prefix() -> None:
    assert _message(schema.PROJECT_CREATE, {}) == "'name' is a required property"


def test_not_an_object() -> None:
    assert _message(schema.REGION_CREATE, None) == "None is not of type 'object'"


def test_type_error_names_the_field() -> None:
    assert (
        _message(schema.PROJECT_CREATE, {"name": "p", "enabled": "yes"})
        == "Invalid input for field 'enabled': 'yes' is not of type 'boolean'"
    )


def test_nullable_type_lists_both_types() -> None:
    assert (
        _message(schema.PROJECT_CREATE, {"name": "p", "description": 3})
        == "Invalid input for field 'description': 3 is not of type 'string', 'null'"
    )


def test_boolean_enum_does_not_accept_integers() -> None:
    assert _message(schema.SERVICE_CREATE, {"type": "x", "enabled": 1}) == (
        "Invalid input for field 'enabled': 1 is not of type 'boolean'"
    )


def test_length_and_pattern() -> None:
    assert _message(schema.PROJECT_CREATE, {"name": ""}) == (
        "Invalid input for field 'name': '' is too short"
    )
    assert _message(schema.PROJECT_CREATE, {"name": "x" * 65}) == (
        f"Invalid input for field 'name': '{'x' * 65}' is too long"
    )
    assert _message(schema.PROJECT_CREATE, {"name": "   "}) == (
        "Invalid input for field 'name': '   ' does not match '[\\\\S]+'"
    )


def test_enum_lists_the_choices() -> None:
    body = {"interface": "side", "service_id": "s", "url": "http://x"}
    assert _message(schema.ENDPOINT_CREATE, body) == (
        "Invalid input for field 'interface': 'side' is not one of ['admin', 'internal', 'public']"
    )


def test_nested_item_paths_and_property_counts() -> None:
    body = {"name": "a", "roles": [{"id": "r", "name": "n"}]}
    assert _message(schema.APPLICATION_CREDENTIAL_CREATE, body) == (
        "Invalid input for field 'roles/0': {'id': 'r', 'name': 'n'} has too many properties"
    )
    body = {"name": "a", "roles": [{"nick": "r"}]}
    assert _message(schema.APPLICATION_CREDENTIAL_CREATE, body) == (
        "Invalid input for field 'roles/0': Additional properties are not allowed "
        "('nick' was unexpected)"
    )


def test_update_needs_one_property() -> None:
    assert _message(schema.PROJECT_UPDATE, {}) == "{} does not have enough properties"


def test_password_change_refuses_extras() -> None:
    body = {"original_password": "a", "password": "b", "x": 1, "y": 2}
    assert _message(schema.PASSWORD_CHANGE, body) == (
        "Additional properties are not allowed ('x', 'y' were unexpected)"
    )


def test_tags_must_be_unique() -> None:
    assert _message(schema.PROJECT_UPDATE, {"tags": ["a", "a"]}) == (
        "Invalid input for field 'tags': ['a', 'a'] has non-unique elements"
    )
