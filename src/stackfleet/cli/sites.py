"""`stackfleet site ...`, `stackfleet health` and `stackfleet events`: sites through the API.

Talks only to the API, through `StackfleetClient`; credentials typed here go to the API and are
never printed (the API never returns them). Registered on the root command by `cli/main.py`.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from stackfleet.api.schemas import (
    CloudIn,
    EventOut,
    HealthOut,
    LabelsModel,
    LocationModel,
    ServiceEndpointOut,
    SiteCreate,
    SiteImport,
    SiteOut,
    SiteUpdate,
)
from stackfleet.cli.output import (
    ColumnOpt,
    Format,
    FormatOpt,
    api,
    emit,
    fail,
    out,
    render_list,
    render_one,
)

app = typer.Typer(no_args_is_help=True, help="Register, list, change and remove sites.")

SITE_COLUMNS = ("ID", "Name", "Status", "Auth URL", "Region", "Tier", "Country", "City")

Name = Annotated[str, typer.Argument(help="The site's name (or id).")]
AuthUrl = Annotated[str | None, typer.Option(help="The site's Keystone URL (…/v3).")]
Opt = Annotated[str | None, typer.Option()]
Secret = Annotated[str | None, typer.Option(help="Never printed or returned by the API.")]
Labels = Annotated[list[str] | None, typer.Option("--label", help="key=value (repeatable).")]
Float = Annotated[float | None, typer.Option()]


@dataclass
class AuthOptions:
    """The auth options of `site add` / `site update`, as one clouds.yaml entry."""

    auth_url: str
    username: str | None
    password: str | None
    project_name: str | None
    user_domain_name: str | None
    project_domain_name: str | None
    application_credential_id: str | None = None
    application_credential_secret: str | None = None

    def cloud(
        self, region: str | None, interface: str, cacert: str | None, insecure: bool
    ) -> CloudIn:
        fields = {k: v for k, v in vars(self).items() if v is not None}
        app_cred = self.application_credential_id is not None
        if self.username and self.password is None and not app_cred:
            fields["password"] = typer.prompt(f"Password for {self.username}", hide_input=True)
        return CloudIn(
            auth=fields,
            auth_type="v3applicationcredential" if app_cred else "password",
            region_name=region,
            interface=interface,
            cacert=cacert,
            verify=not insecure,
        )


@dataclass
class LabelOptions:
    """The label options of `site add` / `site update`; unset ones keep `base`'s value."""

    labels: list[str] | None
    country: str | None
    city: str | None
    lat: float | None
    long: float | None
    tier: str | None
    cost_weight: float | None

    def given(self) -> bool:
        return any(v is not None for v in vars(self).values())

    def apply(self, base: LabelsModel) -> LabelsModel:
        extra = dict(base.extra)
        for pair in self.labels or []:
            key, equals, value = pair.partition("=")
            if not equals or not key:
                fail(f"Invalid label {pair!r}: write it as key=value (key= removes it).")
            if value:
                extra[key] = value
            else:
                extra.pop(key, None)
        loc = base.location
        return LabelsModel(
            location=LocationModel(
                latitude=_pick(self.lat, loc.latitude),
                longitude=_pick(self.long, loc.longitude),
                country=_pick(self.country, loc.country),
                city=_pick(self.city, loc.city),
            ),
            tier=_pick(self.tier, base.tier),
            cost_weight=_pick(self.cost_weight, base.cost_weight),
            extra=extra,
        )


def _pick(new: Any, old: Any) -> Any:
    return old if new is None else new


@app.command("add")
def add(  # noqa: PLR0913 - one option per setting, as operators type them
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the site.")],
    *,
    auth_url: Annotated[str, typer.Option(help="The site's Keystone URL (…/v3).")],
    username: Opt = None,
    password: Secret = None,
    project_name: Opt = None,
    user_domain_name: Opt = "Default",
    project_domain_name: Opt = "Default",
    application_credential_id: Opt = None,
    application_credential_secret: Secret = None,
    region: Opt = None,
    interface: Annotated[str, typer.Option()] = "public",
    cacert: Annotated[str | None, typer.Option(help="CA bundle to verify TLS with.")] = None,
    insecure: Annotated[bool, typer.Option(help="Do not verify TLS.")] = False,
    label: Labels = None,
    country: Opt = None,
    city: Opt = None,
    lat: Float = None,
    long: Float = None,
    tier: Opt = None,
    cost_weight: Float = None,
    fmt: FormatOpt = Format.table,
    column: ColumnOpt = None,
) -> None:
    """Register a site; refused credentials register it as auth-failed, with the reason."""
    auth = AuthOptions(
        auth_url, username, password, project_name, user_domain_name, project_domain_name,
        application_credential_id, application_credential_secret,
    )  # fmt: skip
    labels = LabelOptions(label, country, city, lat, long, tier, cost_weight)
    with api(ctx) as client:
        cloud = auth.cloud(region, interface, cacert, insecure)
        site = client.add_site(
            SiteCreate(name=name, cloud=cloud, labels=labels.apply(LabelsModel()))
        )
        emit(out, render_one(site_record(site), fmt, column or ()))


@app.command("import")
def import_(
    ctx: typer.Context,
    clouds_yaml: Annotated[pathlib.Path, typer.Argument(help="A clouds.yaml file.")],
    cloud: Annotated[
        list[str] | None, typer.Option("--cloud", help="Import only this cloud (repeatable).")
    ] = None,
    fmt: FormatOpt = Format.table,
    column: ColumnOpt = None,
) -> None:
    """Register the clouds of a clouds.yaml as sites: all of them, or none if one fails."""
    try:
        text = clouds_yaml.read_text()
    except OSError as unreadable:
        fail(f"Cannot read {clouds_yaml}: {unreadable.strerror or unreadable}")
    with api(ctx) as client:
        sites = client.import_sites(SiteImport(clouds_yaml=text, clouds=cloud or None))
        emit(out, render_list([site_row(s) for s in sites], SITE_COLUMNS, fmt, column or ()))


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table, column: ColumnOpt = None) -> None:
    """List the registered sites."""
    with api(ctx) as client:
        rows = [site_row(s) for s in client.list_sites()]
        emit(out, render_list(rows, SITE_COLUMNS, fmt, column or ()))


@app.command("show")
def show(
    ctx: typer.Context, name: Name, fmt: FormatOpt = Format.table, column: ColumnOpt = None
) -> None:
    """Show one site: its (redacted) credentials, labels, health and what it offers."""
    with api(ctx) as client:
        emit(out, render_one(site_record(client.get_site(name)), fmt, column or ()))


@app.command("update")
def update(  # noqa: PLR0913 - one option per setting, as operators type them
    ctx: typer.Context,
    name: Name,
    *,
    new_name: Annotated[str | None, typer.Option("--name", help="Rename the site.")] = None,
    auth_url: AuthUrl = None,
    username: Opt = None,
    password: Secret = None,
    project_name: Opt = None,
    user_domain_name: Opt = "Default",
    project_domain_name: Opt = "Default",
    application_credential_id: Opt = None,
    application_credential_secret: Secret = None,
    region: Opt = None,
    interface: Annotated[str, typer.Option()] = "public",
    cacert: Annotated[str | None, typer.Option(help="CA bundle to verify TLS with.")] = None,
    insecure: Annotated[bool, typer.Option(help="Do not verify TLS.")] = False,
    label: Labels = None,
    country: Opt = None,
    city: Opt = None,
    lat: Float = None,
    long: Float = None,
    tier: Opt = None,
    cost_weight: Float = None,
    fmt: FormatOpt = Format.table,
    column: ColumnOpt = None,
) -> None:
    """Rename a site, change its labels, or give it new credentials (with --auth-url)."""
    labels = LabelOptions(label, country, city, lat, long, tier, cost_weight)
    with api(ctx) as client:
        change = SiteUpdate(name=new_name)
        if auth_url is not None:
            auth = AuthOptions(
                auth_url, username, password, project_name, user_domain_name,
                project_domain_name, application_credential_id, application_credential_secret,
            )  # fmt: skip
            change.cloud = auth.cloud(region, interface, cacert, insecure)
        if labels.given():
            change.labels = labels.apply(client.get_site(name).labels)
        emit(out, render_one(site_record(client.update_site(name, change)), fmt, column or ()))


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: Name,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Forget a site and its inventory in Stackfleet; the site itself is never touched."""
    with api(ctx) as client:
        site = client.get_site(name)
        if not yes:
            typer.confirm(
                f"Remove site {site.name!r} from Stackfleet (the site itself is not touched)?",
                abort=True,
            )
        client.remove_site(site.id)
        out.print(f"Removed site {site.name}.", highlight=False)


def health(
    ctx: typer.Context,
    site: Annotated[str | None, typer.Argument(help="Only this site, per service.")] = None,
    fmt: FormatOpt = Format.table,
    column: ColumnOpt = None,
) -> None:
    """Every site's health (status, since, cause), or one site's with each service's probe."""
    with api(ctx) as client:
        if site is None:
            rows = [health_row(h) for h in client.health()]
            emit(out, render_list(rows, HEALTH_COLUMNS, fmt, column or ()))
        else:
            emit(out, render_one(health_record(client.site_health(site)), fmt, column or ()))


def events(
    ctx: typer.Context,
    site: Annotated[str | None, typer.Option(help="Only this site's events.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    fmt: FormatOpt = Format.table,
    column: ColumnOpt = None,
) -> None:
    """What happened to sites (status changes, additions, updates), newest first."""
    with api(ctx) as client:
        rows = [event_row(e) for e in client.events(site, limit)]
        emit(out, render_list(rows, EVENT_COLUMNS, fmt, column or ()))


HEALTH_COLUMNS = ("Site", "Status", "Since", "Cause", "Services")
EVENT_COLUMNS = ("ID", "At", "Site", "Kind", "Message")


def site_row(site: SiteOut) -> dict[str, Any]:
    """One line of `site list`."""
    loc = site.labels.location
    return {
        "ID": site.id,
        "Name": site.name,
        "Status": site.health.status,
        "Auth URL": site.cloud.auth.get("auth_url", ""),
        "Region": site.cloud.region_name,
        "Tier": site.labels.tier,
        "Country": loc.country,
        "City": loc.city,
    }


def site_record(site: SiteOut) -> dict[str, Any]:
    """`site show`: everything about a site but its secrets (the API never sends them)."""
    discovery = site.discovery
    capacity = discovery.capacity if discovery else None
    loc = site.labels.location
    return {
        "id": site.id,
        "name": site.name,
        "status": site.health.status,
        "status_since": site.health.since,
        "cause": _cause(site.health.cause),
        "auth": site.cloud.auth,
        "auth_type": site.cloud.auth_type,
        "region": site.cloud.region_name,
        "interface": site.cloud.interface,
        "verify": site.cloud.verify,
        "cacert": site.cloud.cacert,
        "tier": site.labels.tier,
        "cost_weight": site.labels.cost_weight,
        "country": loc.country,
        "city": loc.city,
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "labels": site.labels.extra,
        "services": [_endpoint(s) for s in discovery.services] if discovery else [],
        "capacity": capacity.model_dump() if capacity else None,
        "created_at": site.created_at,
    }


def _endpoint(service: ServiceEndpointOut) -> str:
    low, high = service.min_version, service.max_version
    versions = f" {low}-{high}" if low and high else f" {high}" if high else ""
    return service.service_type + versions


def _cause(cause: Any) -> str | None:
    return f"{cause.kind}: {cause.message}" if cause is not None else None


def health_row(health: HealthOut) -> dict[str, Any]:
    """One line of `health`."""
    return {
        "Site": health.site_name,
        "Status": health.status,
        "Since": health.since,
        "Cause": _cause(health.cause),
        "Services": [f"{p.service_type} {'ok' if p.ok else 'FAIL'}" for p in health.services],
    }


def health_record(health: HealthOut) -> dict[str, Any]:
    """`health SITE`: the site's status and one field per probed service."""
    record: dict[str, Any] = {
        "site": health.site_name,
        "status": health.status,
        "since": health.since,
        "cause": _cause(health.cause),
        "last_probe_at": health.last_probe_at,
    }
    for probe in health.services:
        latency = f" {probe.latency_ms:.0f} ms" if probe.latency_ms is not None else ""
        state = "ok" if probe.ok else f"FAIL ({_cause(probe.cause)})"
        record[probe.service_type] = state + latency
    return record


def event_row(event: EventOut) -> dict[str, Any]:
    """One line of `events`."""
    return {
        "ID": event.id,
        "At": event.at,
        "Site": event.site_name,
        "Kind": event.kind,
        "Message": event.message,
    }
