"""Identity v3 conformance: tokens, catalog and auth failures, through openstacksdk."""

from __future__ import annotations

import pathlib

import openstack.config
import pytest
from openstack import exceptions
from openstack.connection import Connection

pytestmark = pytest.mark.conformance


def test_admin_token_is_project_scoped_with_a_catalog(admin: Connection) -> None:
    assert admin.session.auth is not None
    access = admin.session.auth.get_access(admin.session)  # type: ignore[attr-defined]
    assert access.project_name == "admin"
    assert "admin" in access.role_names
    service_types = {entry["type"] for entry in access.service_catalog.catalog}
    assert {"identity", "compute", "network", "image", "block-storage"} <= service_types


def test_wrong_password_is_rejected_with_401(clouds_yaml: pathlib.Path, cloud_name: str) -> None:
    config = openstack.config.OpenStackConfig(config_files=[str(clouds_yaml)])
    region = config.get_one(cloud=cloud_name, auth={"password": "wrong-password"})
    conn = Connection(config=region)
    # Connection.authorize wraps keystoneauth's Unauthorized in an SDKException.
    with pytest.raises(exceptions.SDKException, match=r"\(HTTP 401\)"):
        conn.authorize()
