"""Failures talking to a site, with the cause the site's health shows.

Raised by the OpenStack adapter; the sites service turns them into health states and events.
"""

from __future__ import annotations

from stackfleet.kernel.errors import PermanentError, TemporaryError
from stackfleet.sites.models import Cause


class SiteUnavailable(TemporaryError):
    """The site could not be reached or answered with an error; retry later."""

    def __init__(self, site: str, cause: Cause) -> None:
        super().__init__(f"site {site!r}: {cause}")
        self.cause = cause


class SiteAuthFailed(PermanentError):
    """The site's Keystone refused the credentials (or TLS verification failed)."""

    def __init__(self, site: str, cause: Cause) -> None:
        super().__init__(f"site {site!r}: {cause}")
        self.cause = cause
