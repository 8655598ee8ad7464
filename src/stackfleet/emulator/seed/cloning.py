"""Copying a template site's state into another site, with fresh deterministic ids.

Every id found in the template (values of `id` and `*_id` fields, and the keys of id-keyed
collections) gets a new id of the same form drawn from a generator seeded with the target's name,
so a site seeded twice gets the same ids. Strings that embed ids (links, "project:<id>",
file names) and the template's name (URLs, host names, data paths) are rewritten too. Unchanged
values are shared, not copied, which keeps a thousand seeded sites small.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import random
import re
import uuid
from typing import Any

from stackfleet.emulator.identity.state import hash_secret
from stackfleet.emulator.site import Site

SERVICE_STATES = ("identity", "compute", "network", "image", "volume")
_CANDIDATE = re.compile(
    r"(?<![0-9a-f])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})(?![0-9a-f])"
)
_ATOMS = (int, float, bool, type(None), bytes)


def clone_site(template: Site, target: Site) -> None:
    """Replace `target`'s service states (and data files) with a renamed copy of `template`'s."""
    remap = _Remap(template, target)
    for name in SERVICE_STATES:
        remap.collect(getattr(template, name))
    for name in SERVICE_STATES:
        setattr(target, name, remap.value(getattr(template, name)))
    target.identity.tokens.clear()
    for user in target.identity.users.values():
        if user["name"] == "admin":
            user["_password"] = hash_secret(target.config.admin_password)
        elif user["_password"] is not None:
            user["_password"] = hash_secret(target.config.member_password)
    _link_files(template.data_dir, target.data_dir, remap)


class _Remap:
    def __init__(self, template: Site, target: Site) -> None:
        self.old_name, self.new_name = template.name, target.name
        self.random = random.Random(target.name)  # noqa: S311 - ids, not secrets
        self.ids: dict[str, str] = {}

    def collect(self, value: Any) -> None:
        """Find every id in `value` and assign it a new one, in a deterministic order."""
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _CANDIDATE.fullmatch(key):
                    self._assign(key)
                if (key == "id" or (isinstance(key, str) and key.endswith("_id"))) and isinstance(
                    item, str
                ):
                    self._assign(item)
                self.collect(item)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                self.collect(item)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for item in vars(value).values():
                self.collect(item)

    def _assign(self, old: str) -> None:
        if old in self.ids or not _CANDIDATE.fullmatch(old):
            return
        new = uuid.UUID(int=self.random.getrandbits(128), version=4)
        self.ids[old] = str(new) if "-" in old else new.hex

    def string(self, text: str) -> str:
        if len(text) >= 32:
            text = _CANDIDATE.sub(lambda m: self.ids.get(m.group(0), m.group(0)), text)
        if self.old_name in text:
            text = text.replace(self.old_name, self.new_name)
        return text

    def value(self, value: Any) -> Any:  # noqa: PLR0911 - one branch per container type
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, _ATOMS):
            return value
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, tuple | set | frozenset):
            return type(value)(self.value(v) for v in value)
        if isinstance(value, pathlib.PurePath):
            return type(value)(self.string(str(value)))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            copied = object.__new__(type(value))
            copied.__dict__.update({k: self.value(v) for k, v in vars(value).items()})
            return copied
        return value  # timestamps and other immutable values are shared


def _link_files(source: pathlib.Path, target: pathlib.Path, remap: _Remap) -> None:
    """Give the target the template's data files (images, volumes, backups) under its own ids."""
    if not source.exists():
        return
    for path in source.rglob("*"):
        if path.is_dir():
            continue
        destination = target / remap.string(str(path.relative_to(source)))
        destination.parent.mkdir(parents=True, exist_ok=True)
        if destination.exists():
            destination.unlink()
        os.link(path, destination)
