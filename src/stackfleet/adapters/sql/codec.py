"""Turning site values into JSON documents and back, for the SQL site repository.

Only `sites.py` calls this: cloud configs (sealed after encoding), labels, health services and
discovery documents are stored as JSON; the shapes here are the stored format, so a change to
them needs a migration of existing rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson

from stackfleet.sites.models import (
    Capacity,
    Cause,
    CauseKind,
    CloudConfig,
    Discovery,
    Labels,
    Location,
    ServiceEndpoint,
    ServiceProbe,
)


def cloud_to_bytes(cloud: CloudConfig) -> bytes:
    """The whole config, secrets included: only ever stored sealed."""
    return orjson.dumps(
        {
            "auth": dict(cloud.auth),
            "auth_type": cloud.auth_type,
            "region_name": cloud.region_name,
            "interface": cloud.interface,
            "cacert": cloud.cacert,
            "verify": cloud.verify,
        }
    )


def cloud_from_bytes(data: bytes) -> CloudConfig:
    doc = orjson.loads(data)
    return CloudConfig(
        auth=dict(doc["auth"]),
        auth_type=doc["auth_type"],
        region_name=doc["region_name"],
        interface=doc["interface"],
        cacert=doc["cacert"],
        verify=doc["verify"],
    )


def labels_to_doc(labels: Labels) -> dict[str, Any]:
    loc = labels.location
    return {
        "location": {
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "country": loc.country,
            "city": loc.city,
        },
        "tier": labels.tier,
        "cost_weight": labels.cost_weight,
        "extra": dict(labels.extra),
    }


def labels_from_doc(doc: Mapping[str, Any]) -> Labels:
    return Labels(
        location=Location(**doc["location"]),
        tier=doc["tier"],
        cost_weight=doc["cost_weight"],
        extra=dict(doc["extra"]),
    )


def probes_to_doc(probes: tuple[ServiceProbe, ...]) -> list[dict[str, Any]]:
    return [
        {
            "service_type": p.service_type,
            "ok": p.ok,
            "latency_ms": p.latency_ms,
            "cause_kind": p.cause.kind.value if p.cause else None,
            "cause_message": p.cause.message if p.cause else None,
        }
        for p in probes
    ]


def probes_from_doc(doc: list[dict[str, Any]]) -> tuple[ServiceProbe, ...]:
    return tuple(
        ServiceProbe(
            service_type=p["service_type"],
            ok=p["ok"],
            latency_ms=p["latency_ms"],
            cause=cause(p["cause_kind"], p["cause_message"]),
        )
        for p in doc
    )


def cause(kind: str | None, message: str | None) -> Cause | None:
    return None if kind is None else Cause(CauseKind(kind), message or "")


def discovery_to_doc(discovery: Discovery) -> dict[str, Any]:
    capacity = discovery.capacity
    return {
        "at": discovery.at.isoformat(),
        "regions": list(discovery.regions),
        "services": [
            {
                "service_type": s.service_type,
                "url": s.url,
                "min_version": s.min_version,
                "max_version": s.max_version,
            }
            for s in discovery.services
        ],
        "capacity": None if capacity is None else dataclasses.asdict(capacity),
        "project_id": discovery.project_id,
    }


def discovery_from_doc(doc: Mapping[str, Any]) -> Discovery:
    capacity = doc["capacity"]
    return Discovery(
        at=dt.datetime.fromisoformat(doc["at"]).astimezone(dt.UTC),
        regions=tuple(doc["regions"]),
        services=tuple(ServiceEndpoint(**s) for s in doc["services"]),
        capacity=None if capacity is None else Capacity(**capacity),
        project_id=doc["project_id"],
    )
