"""How probe results move a site between health states: pure, no I/O.

- auth-failed as soon as Keystone refuses the credentials;
- offline only after `OFFLINE_AFTER` consecutive probes that reached nothing;
- degraded when some services fail and others answer;
- online after one fully successful probe.
Called by the sites service after each probe; returns the new health and, on a change of
status, the event to record.
"""

from __future__ import annotations

from stackfleet.sites.models import (
    Cause,
    CauseKind,
    Event,
    ProbeResult,
    Site,
    SiteHealth,
    SiteStatus,
)

OFFLINE_AFTER = 2
"""Consecutive failed probes before a site is called offline (no flapping on one lost probe)."""


def next_health(site: Site, probe: ProbeResult) -> tuple[SiteHealth, Event | None]:
    """The site's health after `probe`, and the status event if the status changed."""
    current = site.health
    status, cause, failures = _judge(current, probe)
    changed = status != current.status
    health = SiteHealth(
        status=status,
        since=probe.at if changed or current.since is None else current.since,
        cause=cause,
        consecutive_failures=failures,
        last_probe_at=probe.at,
        services=probe.services,
    )
    if not changed:
        return health, None
    reason = f": {cause}" if cause else ""
    event = Event(
        site_id=site.id,
        site_name=site.name,
        at=probe.at,
        kind="status",
        message=f"{site.name} is {status}{reason}",
        from_status=current.status,
        to_status=status,
    )
    return health, event


def _judge(current: SiteHealth, probe: ProbeResult) -> tuple[SiteStatus, Cause | None, int]:
    if probe.auth_cause is not None and probe.auth_cause.kind in _REFUSED:
        return SiteStatus.AUTH_FAILED, probe.auth_cause, current.consecutive_failures + 1
    failed = [s for s in probe.services if not s.ok]
    if probe.auth_cause is None and not failed:
        return SiteStatus.ONLINE, None, 0
    if probe.auth_cause is None and len(failed) < len(probe.services):
        kind = failed[0].cause.kind if failed[0].cause else CauseKind.ERROR
        message = "; ".join(f"{s.service_type} {s.cause}" for s in failed)
        return SiteStatus.DEGRADED, Cause(kind, message), 0
    cause = probe.auth_cause or failed[0].cause or Cause(CauseKind.ERROR, "every service failed")
    failures = current.consecutive_failures + 1
    if failures >= OFFLINE_AFTER:
        return SiteStatus.OFFLINE, cause, failures
    # One failed probe: keep the current status (and say why it may be about to change).
    return current.status, cause, failures


_REFUSED = frozenset({CauseKind.UNAUTHORIZED, CauseKind.FORBIDDEN})
