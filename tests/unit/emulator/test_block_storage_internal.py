"""Block storage logic without HTTP: Nova's in-process calls, timers, quota messages, pickling."""

from __future__ import annotations

import datetime as dt
import pathlib
import pickle

import pytest

from stackfleet.emulator.block_storage import internal, lifecycle, usage
from stackfleet.emulator.block_storage.lifecycle import NewVolume
from stackfleet.emulator.block_storage.source import check_size
from stackfleet.emulator.errors import ApiError
from stackfleet.emulator.site import Site, SiteConfig
from stackfleet.emulator.wire import Doc


class SteppedClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
        self.seconds = 100.0

    def now(self) -> dt.datetime:
        return self.moment

    def monotonic(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds
        self.moment += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
def site(tmp_path: pathlib.Path, clock: SteppedClock) -> Site:
    return Site(SiteConfig("unit", boot_seconds=1.0), "http://emulator", tmp_path, clock)


def _volume(site: Site, project: str = "p1", size: int = 1) -> Doc:
    spec = NewVolume(project, "u1", size, site.volume.default_type(), name="v")
    return lifecycle.create_volume(site, spec)


def test_volume_is_creating_until_the_boot_delay_passes(site: Site, clock: SteppedClock) -> None:
    volume = _volume(site)
    assert volume["status"] == "creating"
    clock.advance(0.5)
    site.run_due()
    assert volume["status"] == "creating"
    clock.advance(0.6)
    site.run_due()
    assert volume["status"] == "available"
    assert volume["volume_type"] == "__DEFAULT__"


def test_volume_for_attach_checks_project_and_status(site: Site, clock: SteppedClock) -> None:
    volume = _volume(site)
    with pytest.raises(ApiError) as creating:
        internal.volume_for_attach(site, "p1", volume["id"])
    assert creating.value.status == 400
    assert creating.value.message == (
        f"Invalid volume: volume '{volume['id']}' status must be 'available'. "
        "Currently in 'creating'"
    )
    clock.advance(2)
    site.run_due()
    assert internal.volume_for_attach(site, "p1", volume["id"]) is volume
    with pytest.raises(ApiError) as other:
        internal.volume_for_attach(site, "p2", volume["id"])
    assert (other.value.status, other.value.message) == (
        404,
        f"Volume {volume['id']} could not be found.",
    )


def test_attach_and_detach_fill_and_clear_attachments(site: Site, clock: SteppedClock) -> None:
    volume = _volume(site)
    clock.advance(2)
    site.run_due()
    attachment_id = internal.attach(site, volume["id"], "server-1", "/dev/vdb", "host-1")
    assert volume["status"] == "in-use"
    assert site.volume.attachments[attachment_id]["instance_uuid"] == "server-1"
    assert volume["_admin_metadata"] == {"attached_mode": "rw"}
    internal.detach(site, volume["id"], "server-1")
    assert volume["status"] == "available"
    assert site.volume.attachments == {}


def test_attaching_a_creating_boot_volume_ends_in_use(site: Site, clock: SteppedClock) -> None:
    volume = _volume(site)
    internal.attach(site, volume["id"], "server-1", "/dev/vda", "host-1")
    clock.advance(2)
    site.run_due()
    assert volume["status"] == "in-use"


def test_delete_volume_frees_quota_usage(site: Site) -> None:
    volume = _volume(site, size=3)
    assert usage.usage(site.volume, "p1")["gigabytes"] == 3
    internal.delete_volume(site, volume["id"])
    assert volume["id"] not in site.volume.volumes
    assert usage.usage(site.volume, "p1")["volumes"] == 0


def test_volume_quota_message_is_cinders(site: Site) -> None:
    site.volume.quotas["p1"] = {"volumes": 1}
    _volume(site)
    with pytest.raises(ApiError) as raised:
        _volume(site)
    assert raised.value.status == 413
    assert raised.value.message == (
        "VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota 'volumes'."
    )
    assert raised.value.headers == {"Retry-After": "0"}


def test_gigabytes_quota_is_checked_before_volumes(site: Site) -> None:
    site.volume.quotas["p1"] = {"volumes": 0, "gigabytes": 2}
    with pytest.raises(ApiError) as raised:
        _volume(site, size=5)
    assert raised.value.message == (
        "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes "
        "quota. Requested 5G, quota is 2G and 0G has been consumed."
    )


def test_per_volume_size_limit(site: Site) -> None:
    site.volume.quotas["p1"] = {"per_volume_gigabytes": 2}
    with pytest.raises(ApiError, match="VolumeSizeExceedsLimit: Requested volume size 3G"):
        _volume(site, size=3)


def test_boot_volume_from_missing_image_is_novas_400(site: Site) -> None:
    with pytest.raises(ApiError) as raised:
        internal.create_boot_volume(site, "p1", "no-such-image", 1, "")
    assert raised.value.status == 400
    assert site.volume.volumes == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "'abc' does not match '^[0-9]+$'"),
        (0, "0 is less than the minimum of 1"),
        (1.5, "1.5 is not of type 'integer', 'string', 'null'"),
    ],
)
def test_size_validation_messages(value: object, message: str) -> None:
    with pytest.raises(ApiError) as raised:
        check_size(value)
    assert raised.value.message.endswith(message)
    assert raised.value.message.startswith("Invalid input for field/attribute size.")


def test_state_with_pending_timers_pickles(site: Site) -> None:
    volume = _volume(site)
    copy = pickle.loads(pickle.dumps(site))  # noqa: S301 - our own state
    assert isinstance(copy.clock, SteppedClock)
    copy.clock.advance(2)
    copy.run_due()
    assert copy.volume.volumes[volume["id"]]["status"] == "available"
