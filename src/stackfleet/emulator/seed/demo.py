"""The `demo` population, built on a template site through the emulator's public API.

Per site: three projects (demo, web, analytics) with a member each, five flavors, five public
images, an external network with a router per project, five networks in all, 21 servers (two
stopped, one in ERROR because no host is big enough), ten volumes (four attached, one bootable),
two snapshots, a backup, four floating IPs, a web security group and a keypair per user.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass, field

import httpx

from stackfleet.emulator.app import create_app
from stackfleet.emulator.seed.client import COMPUTE_VERSION, SiteClient
from stackfleet.emulator.site import Emulator, Site

FLAVORS = (
    # name, vcpus, ram MiB, disk GiB
    ("m1.tiny", 1, 512, 1),
    ("m1.small", 1, 2048, 20),
    ("m1.medium", 2, 4096, 40),
    ("m1.large", 4, 8192, 80),
    ("m1.huge", 64, 1048576, 500),
)
IMAGES = (
    # name, os_distro, os_version
    ("cirros-0.6.2-x86_64", "cirros", "0.6.2"),
    ("ubuntu-22.04", "ubuntu", "22.04"),
    ("debian-12", "debian", "12"),
    ("rocky-9", "rocky", "9"),
    ("fedora-40", "fedora", "40"),
)
PROJECTS = (
    # project, user, CIDR, servers (name prefix, flavor, image, how many), volumes (size GiB)
    ("demo", "demo", "10.0.1.0/24", (("app", "m1.small", "cirros-0.6.2-x86_64", 6),), (1, 2, 5)),
    (
        "web",
        "alice",
        "10.0.2.0/24",
        (("web", "m1.small", "ubuntu-22.04", 6), ("db", "m1.medium", "debian-12", 2)),
        (10, 20, 20, 50),
    ),
    ("analytics", "bob", "10.0.3.0/24", (("worker", "m1.tiny", "rocky-9", 6),), (5, 10, 100)),
)


@dataclass
class Project:
    """A seeded project as the population script goes along."""

    name: str
    token: str
    project_id: str
    network_id: str = ""
    servers: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)


def build_template(emulator: Emulator, template: Site) -> None:
    """Populate `template` through the API, then settle every pending transition."""
    template.config.boot_seconds = 0
    asyncio.run(_populate(emulator, template))
    settle(template)


def settle(site: Site, rounds: int = 100) -> None:
    """Fire the site's timers until none is left (all delays are zero on the template)."""
    for _ in range(rounds):
        if not site.timers:
            return
        site.run_due()
    raise RuntimeError(f"site {site.name} still has {len(site.timers)} pending timers")


async def _populate(emulator: Emulator, template: Site) -> None:
    transport = httpx.ASGITransport(app=create_app(emulator))
    async with httpx.AsyncClient(transport=transport, base_url="http://seed") as http:
        api = SiteClient(http, template)
        admin = await api.login("admin", template.config.admin_password, "admin")
        await _flavors(api, admin)
        images = await _images(api, admin)
        public = await _public_networks(api, admin)
        projects = [await _project(api, admin, spec[0], spec[1]) for spec in PROJECTS]
        for project, spec in zip(projects, PROJECTS, strict=True):
            await _network(api, project, spec[2], public)
            await _servers(api, project, spec[1], spec[3], images)
            await _volumes(api, project, spec[4], images)
        settle(template)
        await _day_two(api, projects, public)


async def _flavors(api: SiteClient, admin: str) -> None:
    for index, (name, vcpus, ram, disk) in enumerate(FLAVORS, start=1):
        flavor = {"name": name, "id": str(index), "vcpus": vcpus, "ram": ram, "disk": disk}
        await api.call("POST", "compute/v2.1/flavors", admin, {"flavor": flavor})


async def _images(api: SiteClient, admin: str) -> dict[str, str]:
    images = {}
    for name, distro, version in IMAGES:
        image = await api.call(
            "POST",
            "image/v2/images",
            admin,
            {
                "name": name,
                "disk_format": "qcow2",
                "container_format": "bare",
                "visibility": "public",
                "min_disk": 1,
                "os_distro": distro,
                "os_version": version,
            },
        )
        data = hashlib.sha512(name.encode()).digest() * 16  # 1 KiB that differs per image
        await api.call(
            "PUT",
            f"image/v2/images/{image['id']}/file",
            admin,
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        images[name] = image["id"]
    return images


async def _public_networks(api: SiteClient, admin: str) -> str:
    public = await api.call(
        "POST",
        "network/v2.0/networks",
        admin,
        {
            "network": {
                "name": "public",
                "router:external": True,
                "provider:network_type": "flat",
                "provider:physical_network": "public",
            }
        },
    )
    await api.call(
        "POST",
        "network/v2.0/subnets",
        admin,
        {
            "subnet": {
                "name": "public-subnet",
                "network_id": public["network"]["id"],
                "ip_version": 4,
                "cidr": "172.24.4.0/24",
                "enable_dhcp": False,
                "allocation_pools": [{"start": "172.24.4.10", "end": "172.24.4.250"}],
            }
        },
    )
    shared = await api.call(
        "POST", "network/v2.0/networks", admin, {"network": {"name": "shared", "shared": True}}
    )
    await api.call(
        "POST",
        "network/v2.0/subnets",
        admin,
        {
            "subnet": {
                "name": "shared-subnet",
                "network_id": shared["network"]["id"],
                "ip_version": 4,
                "cidr": "192.168.233.0/24",
            }
        },
    )
    return str(public["network"]["id"])


async def _project(api: SiteClient, admin: str, name: str, user: str) -> Project:
    password = api.site.config.member_password
    if name != "demo":
        project = await api.call(
            "POST",
            "identity/v3/projects",
            admin,
            {"project": {"name": name, "domain_id": "default"}},
        )
        member = await api.call(
            "POST",
            "identity/v3/users",
            admin,
            {
                "user": {
                    "name": user,
                    "domain_id": "default",
                    "password": password,
                    "default_project_id": project["project"]["id"],
                }
            },
        )
        roles = await api.call("GET", "identity/v3/roles?name=member", admin)
        await api.call(
            "PUT",
            f"identity/v3/projects/{project['project']['id']}/users/"
            f"{member['user']['id']}/roles/{roles['roles'][0]['id']}",
            admin,
        )
        await api.call(
            "PUT",
            f"compute/v2.1/os-quota-sets/{project['project']['id']}",
            admin,
            {"quota_set": {"cores": 200, "ram": 2097152}},
        )
    token = await api.login(user, password, name)
    project_id = api.site.identity.tokens[token].project_id or ""
    return Project(name, token, project_id)


async def _network(api: SiteClient, project: Project, cidr: str, public: str) -> None:
    token = project.token
    network = await api.call(
        "POST", "network/v2.0/networks", token, {"network": {"name": f"{project.name}-net"}}
    )
    project.network_id = network["network"]["id"]
    subnet = await api.call(
        "POST",
        "network/v2.0/subnets",
        token,
        {
            "subnet": {
                "name": f"{project.name}-subnet",
                "network_id": project.network_id,
                "ip_version": 4,
                "cidr": cidr,
                "dns_nameservers": ["8.8.8.8"],
            }
        },
    )
    router = await api.call(
        "POST",
        "network/v2.0/routers",
        token,
        {
            "router": {
                "name": f"{project.name}-router",
                "external_gateway_info": {"network_id": public},
            }
        },
    )
    await api.call(
        "PUT",
        f"network/v2.0/routers/{router['router']['id']}/add_router_interface",
        token,
        {"subnet_id": subnet["subnet"]["id"]},
    )
    if project.name == "web":
        group = await api.call(
            "POST",
            "network/v2.0/security-groups",
            token,
            {"security_group": {"name": "web", "description": "HTTP(S) and SSH"}},
        )
        for port in (22, 80, 443):
            await api.call(
                "POST",
                "network/v2.0/security-group-rules",
                token,
                {
                    "security_group_rule": {
                        "security_group_id": group["security_group"]["id"],
                        "direction": "ingress",
                        "protocol": "tcp",
                        "port_range_min": port,
                        "port_range_max": port,
                        "remote_ip_prefix": "0.0.0.0/0",
                    }
                },
            )


def _public_key(user: str) -> str:
    key = hashlib.sha256(user.encode()).digest()
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + key
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {user}@stackfleet"


async def _servers(
    api: SiteClient,
    project: Project,
    user: str,
    specs: tuple[tuple[str, str, str, int], ...],
    images: dict[str, str],
) -> None:
    token = project.token
    await api.call(
        "POST",
        "compute/v2.1/os-keypairs",
        token,
        {"keypair": {"name": f"{user}-key", "public_key": _public_key(user)}},
        COMPUTE_VERSION,
    )
    flavors = {name: str(index) for index, (name, *_) in enumerate(FLAVORS, start=1)}
    groups = [{"name": "default"}] + ([{"name": "web"}] if project.name == "web" else [])
    for prefix, flavor, image, count in specs:
        for index in range(1, count + 1):
            server = await api.call(
                "POST",
                "compute/v2.1/servers",
                token,
                {
                    "server": {
                        "name": f"{prefix}-{index:02d}",
                        "flavorRef": flavors[flavor],
                        "imageRef": images[image],
                        "key_name": f"{user}-key",
                        "networks": [{"uuid": project.network_id}],
                        "security_groups": groups,
                        "metadata": {"role": prefix, "env": "prod" if index % 3 else "staging"},
                    }
                },
                COMPUTE_VERSION,
            )
            project.servers.append(server["server"]["id"])
    if project.name == "analytics":
        # No hypervisor has a TiB of RAM: this one ends in ERROR with "No valid host was found".
        await api.call(
            "POST",
            "compute/v2.1/servers",
            token,
            {
                "server": {
                    "name": "bigdata-01",
                    "flavorRef": flavors["m1.huge"],
                    "imageRef": images["rocky-9"],
                    "networks": [{"uuid": project.network_id}],
                }
            },
            COMPUTE_VERSION,
        )


async def _volumes(
    api: SiteClient, project: Project, sizes: tuple[int, ...], images: dict[str, str]
) -> None:
    for index, size in enumerate(sizes, start=1):
        volume: dict[str, object] = {"name": f"{project.name}-vol-{index:02d}", "size": size}
        if index == 1 and project.name == "web":
            volume["imageRef"] = images["ubuntu-22.04"]
        created = await api.call(
            "POST", f"volume/v3/{project.project_id}/volumes", project.token, {"volume": volume}
        )
        project.volumes.append(created["volume"]["id"])


async def _day_two(api: SiteClient, projects: list[Project], public: str) -> None:
    """What happens after the first boot: attachments, snapshots, a backup, floating IPs, stops."""
    for project in projects:
        token = project.token
        attach = project.volumes[-2:] if project.name == "web" else project.volumes[-1:]
        for volume_id, server_id in zip(attach, project.servers, strict=False):
            await api.call(
                "POST",
                f"compute/v2.1/servers/{server_id}/os-volume_attachments",
                token,
                {"volumeAttachment": {"volumeId": volume_id}},
                COMPUTE_VERSION,
            )
        for server_id in (
            project.servers[:1] if project.name != "analytics" else project.servers[:2]
        ):
            ports = await api.call("GET", f"network/v2.0/ports?device_id={server_id}", token)
            await api.call(
                "POST",
                "network/v2.0/floatingips",
                token,
                {"floatingip": {"floating_network_id": public, "port_id": ports["ports"][0]["id"]}},
            )
        if project.name != "analytics":
            await api.call(
                "POST",
                f"volume/v3/{project.project_id}/snapshots",
                token,
                {"snapshot": {"volume_id": project.volumes[0], "name": f"{project.name}-snap"}},
            )
        if project.name == "web":
            await api.call(
                "POST",
                f"volume/v3/{project.project_id}/backups",
                token,
                {"backup": {"volume_id": project.volumes[1], "name": "web-vol-02-nightly"}},
            )
        if project.name == "demo":
            for server_id in project.servers[-2:]:
                await api.call(
                    "POST", f"compute/v2.1/servers/{server_id}/action", token, {"os-stop": None}
                )
