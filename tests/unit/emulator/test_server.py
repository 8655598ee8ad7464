"""`server.requested_site`: which site a raw HTTP request names, read before HTTP parsing."""

from __future__ import annotations

import pytest

from stackfleet.emulator.server import requested_site


@pytest.mark.parametrize(
    ("data", "site"),
    [
        (b"GET /site1/compute/v2.1/servers HTTP/1.1\r\nHost: x\r\n\r\n", "site1"),
        (b"POST /site-2/identity/v3/auth/tokens HTTP/1.1\r\n", "site-2"),
        (b"DELETE /s_3/network/v2.0/ports/1 HTTP/1.1\r\n", "s_3"),
        (b"PUT /a/image/v2/images/x/file HTTP/1.1\r\n", "a"),
        (b"PATCH /a/image/v2/images/x HTTP/1.1\r\n", "a"),
        (b"HEAD /site1/identity/v3/auth/tokens HTTP/1.1\r\n", "site1"),
        (b"OPTIONS /site1 HTTP/1.1\r\n", "site1"),
        (b"GET /site1?x=1 HTTP/1.1\r\n", "site1"),
        (b"GET /_admin/sites HTTP/1.1\r\n", "_admin"),
    ],
)
def test_the_first_path_segment_names_the_site(data: bytes, site: str) -> None:
    assert requested_site(data) == site


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GET",
        b"GET / HTTP/1.1\r\n",
        b"GET //compute HTTP/1.1\r\n",
        b"GET /?x=1 HTTP/1.1\r\n",
        b"GET /site1",  # the request line continues in the next chunk
        b"BREW /pot HTTP/1.1\r\n",
        b"get /site1/compute HTTP/1.1\r\n",
        b'{"server": {"name": "GET /site1/"}}',
        b"\x16\x03\x01\x02\x00\x01",  # a TLS ClientHello
    ],
)
def test_anything_else_names_no_site(data: bytes) -> None:
    assert requested_site(data) is None
