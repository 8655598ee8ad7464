"""Pure image-service logic: schema messages, webob error bodies, status transitions."""

from __future__ import annotations

import orjson
import pytest
from starlette.datastructures import Headers

from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.image import faults, records, schemas, store


def test_schema_error_reads_like_jsonschema() -> None:
    with pytest.raises(ApiError) as caught:
        schemas.validate({"container_format": "box"})
    message = caught.value.message
    assert message.startswith("Provided object does not match schema 'image': 'box' is not one of")
    assert "Failed validating 'enum' in schema['properties']['container_format']:" in message
    assert message.endswith("On instance['container_format']:\n    'box'")


def test_custom_properties_must_be_strings() -> None:
    with pytest.raises(ApiError, match="5 is not of type 'string'"):
        schemas.validate({"custom": 5})
    with pytest.raises(ApiError, match="is too long"):
        schemas.validate({"tags": ["x" * 256]})
    schemas.validate({"name": None, "min_ram": 0, "protected": True, "tags": ["ok"]})


JSON = Headers({"accept": "application/json"})


def test_webob_error_body_as_json() -> None:
    response = faults.render_error(faults.error(404, "No image found with ID x"), JSON)
    assert orjson.loads(response.body) == {
        "message": "No image found with ID x<br /><br />\n\n\n",
        "code": "404 Not Found",
        "title": "Not Found",
    }
    detailed = orjson.loads(faults.render_error(faults.detailed(416, "Bad."), JSON).body)
    assert detailed["message"] == "The Range requested is not available.<br /><br />\nBad.\n\n"


@pytest.mark.parametrize("accept", [None, "*/*", "text/html", "application/json;q=0.5, */*"])
def test_webob_error_body_as_html_escapes_the_message(accept: str | None) -> None:
    headers = Headers({"accept": accept} if accept else {})
    response = faults.render_error(faults.error(409, "Image 'x' <busy>"), headers)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert bytes(response.body).decode() == (
        "<html>\n <head>\n  <title>409 Conflict</title>\n </head>\n <body>\n"
        "  <h1>409 Conflict</h1>\n  Image &#x27;x&#x27; &lt;busy&gt;<br /><br />\n\n\n\n"
        " </body>\n</html>"
    )


def test_webob_error_body_negotiation() -> None:
    error = faults.error(401)
    plain = faults.render_error(error, Headers({"accept": "text/plain"}))
    assert bytes(plain.body).decode() == f"401 Unauthorized\n\n{faults.EXPLANATIONS[401]}\n\n   "
    json_first = Headers({"accept": "text/html;q=0.1, application/*"})
    assert faults.render_error(error, json_first).headers["content-type"] == "application/json"


def test_status_transitions() -> None:
    image = {"status": "active", "disk_format": "raw", "container_format": "bare"}
    with pytest.raises(records.InvalidTransition, match="from active to saving"):
        records.set_status(_NoSite(), image, "saving")  # type: ignore[arg-type]
    queued = {"status": "queued", "disk_format": None, "container_format": None}
    with pytest.raises(records.MissingFormats, match="Properties disk_format, container_format"):
        records.set_status(_NoSite(), queued, "saving")  # type: ignore[arg-type]


def test_virtual_size_of_qcow2_header() -> None:
    header = b"QFI\xfb" + bytes(20) + (1 << 30).to_bytes(8, "big")
    assert store.virtual_size("qcow2", "bare", header, 100) == 1 << 30
    assert store.virtual_size("raw", "bare", b"", 7) == 7
    assert store.virtual_size("iso", "bare", b"", 7) is None


class _NoSite:
    """Status checks fail before a site is touched."""
