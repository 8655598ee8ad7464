"""State of the image service for one site (filled in as the service grows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stackfleet.emulator.site import Site


@dataclass
class ImageState:
    """Everything the image service stores for one site."""

    @classmethod
    def create(cls, site: Site) -> ImageState:
        del site
        return cls()
