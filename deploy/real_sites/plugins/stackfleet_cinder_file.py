"""Cinder volume driver keeping each volume as a sparse file (`[backend] file_volume_dir`).

Runs inside Debian's cinder-volume (/usr/bin/python3), loaded by class path
`stackfleet_cinder_file.FileVolumeDriver` (this directory is on its PYTHONPATH). This machine has
no device-mapper, so LVM cannot work; a file exported as a `local` connection is what os-brick's
LocalConnector attaches as is, which is enough for attach, backup, image upload and restore.
"""

import os
import subprocess

from cinder import exception
from cinder.volume import configuration, driver
from oslo_config import cfg
from oslo_log import log as logging

LOG = logging.getLogger(__name__)
GiB = 1024**3

file_opts = [
    cfg.StrOpt(
        "file_volume_dir",
        default="/var/lib/cinder/file-volumes",
        help="Directory holding one sparse file per volume and snapshot.",
    ),
]
cfg.CONF.register_opts(file_opts, group=configuration.SHARED_CONF_GROUP)


class FileVolumeDriver(driver.VolumeDriver):
    """Volumes, snapshots and clones as sparse files in one directory."""

    VERSION = "1.0.0"
    CI_WIKI_NAME = "Stackfleet"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(file_opts)
        self._stats = {}

    def _path(self, name):
        return os.path.join(self.configuration.file_volume_dir, name)

    def _copy(self, source, target, size_gb):
        subprocess.run(["cp", "--sparse=always", source, target], check=True)
        os.truncate(target, max(os.path.getsize(target), size_gb * GiB))

    def do_setup(self, context):
        os.makedirs(self.configuration.file_volume_dir, exist_ok=True)

    def check_for_setup_error(self):
        if not os.path.isdir(self.configuration.file_volume_dir):
            raise exception.VolumeBackendAPIException(data="file_volume_dir is missing")

    def local_path(self, volume):
        return self._path(volume.name)

    def create_volume(self, volume):
        with open(self._path(volume.name), "wb") as image:
            image.truncate(volume.size * GiB)

    def delete_volume(self, volume):
        if os.path.exists(self._path(volume.name)):
            os.unlink(self._path(volume.name))

    def create_snapshot(self, snapshot):
        self._copy(self._path(snapshot.volume_name), self._path(snapshot.name), 0)

    def delete_snapshot(self, snapshot):
        if os.path.exists(self._path(snapshot.name)):
            os.unlink(self._path(snapshot.name))

    def create_volume_from_snapshot(self, volume, snapshot):
        self._copy(self._path(snapshot.name), self._path(volume.name), volume.size)

    def create_cloned_volume(self, volume, src_vref):
        self._copy(self._path(src_vref.name), self._path(volume.name), volume.size)

    def revert_to_snapshot(self, context, volume, snapshot):
        self._copy(self._path(snapshot.name), self._path(volume.name), volume.size)

    def extend_volume(self, volume, new_size):
        os.truncate(self._path(volume.name), new_size * GiB)

    def create_export(self, context, volume, connector):
        return None

    def ensure_export(self, context, volume):
        return None

    def remove_export(self, context, volume):
        return None

    def initialize_connection(self, volume, connector, **kwargs):
        return {"driver_volume_type": "local", "data": {"device_path": self._path(volume.name)}}

    def terminate_connection(self, volume, connector, **kwargs):
        return None

    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            self._update_volume_stats()
        return self._stats

    def _update_volume_stats(self):
        fs = os.statvfs(self.configuration.file_volume_dir)
        self._stats = {
            "volume_backend_name": self.configuration.safe_get("volume_backend_name") or "file",
            "vendor_name": "Stackfleet",
            "driver_version": self.VERSION,
            "storage_protocol": "local",
            "total_capacity_gb": fs.f_blocks * fs.f_frsize // GiB,
            "free_capacity_gb": fs.f_bavail * fs.f_frsize // GiB,
            "reserved_percentage": 0,
            "thin_provisioning_support": True,
            "thick_provisioning_support": False,
            "max_over_subscription_ratio": 20.0,
            "multiattach": False,
        }
