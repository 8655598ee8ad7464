"""Reading a clouds.yaml: every entry is checked before any site is added.

`parse_clouds_yaml` turns the text into cloud configs and names the first problem it finds (bad
YAML, no `clouds`, an entry without `auth.auth_url`, a cloud that is not in the file); the sites
service then adds them all or none (`SiteService.add_all`). Called by `POST /v1/sites/import`
(routes_sites.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from stackfleet.kernel.errors import InvalidInput
from stackfleet.sites.models import CloudConfig


def parse_clouds_yaml(text: str, wanted: Sequence[str] | None) -> dict[str, CloudConfig]:
    """The cloud configs of a clouds.yaml, by cloud name (only `wanted`, when given)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as bad:
        raise InvalidInput(f"The clouds.yaml is not valid YAML: {bad}".replace("\n", " ")) from bad
    clouds = document.get("clouds") if isinstance(document, dict) else None
    if not isinstance(clouds, dict) or not clouds:
        raise InvalidInput(
            "The clouds.yaml has no `clouds:` mapping of cloud names to entries; "
            "give a file as python-openstackclient reads it."
        )
    names = list(clouds) if wanted is None else list(wanted)
    missing = [name for name in names if name not in clouds]
    if missing:
        raise InvalidInput(
            f"No cloud {missing[0]!r} in the clouds.yaml; it has: {', '.join(map(str, clouds))}."
        )
    return {str(name): cloud_from_entry(str(name), clouds[name]) for name in names}


def cloud_from_entry(name: str, entry: Any) -> CloudConfig:
    """One clouds.yaml entry as a cloud config; InvalidInput naming the cloud if it is unusable."""
    if not isinstance(entry, dict):
        raise InvalidInput(f"Cloud {name!r} in the clouds.yaml is not a mapping of settings.")
    auth = entry.get("auth")
    if not isinstance(auth, dict) or not auth.get("auth_url"):
        raise InvalidInput(
            f"Cloud {name!r} in the clouds.yaml has no auth.auth_url; add the site's Keystone URL."
        )
    nested = [key for key, value in auth.items() if isinstance(value, dict | list)]
    if nested:
        raise InvalidInput(f"Cloud {name!r}: auth.{nested[0]} must be a single value.")
    verify = entry.get("verify", True)
    if entry.get("insecure") is True:
        verify = False
    return CloudConfig(
        auth={str(k): str(v) for k, v in auth.items() if v is not None},
        auth_type=str(entry.get("auth_type") or _default_auth_type(auth)),
        region_name=_optional(entry.get("region_name")),
        interface=str(entry.get("interface") or "public"),
        cacert=_optional(entry.get("cacert")),
        verify=verify is not False,
    )


def _default_auth_type(auth: Mapping[str, Any]) -> str:
    return "v3applicationcredential" if "application_credential_secret" in auth else "password"


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)
