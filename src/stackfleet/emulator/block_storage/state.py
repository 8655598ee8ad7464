"""State of the block_storage service for one site (filled in as the service grows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


@dataclass
class VolumeState:
    """Everything the block_storage service stores for one site."""

    @classmethod
    def create(cls, site: Site) -> VolumeState:
        del site
        return cls()
