"""Seeding sites with a realistic population (`stackfleet emulator up --seed demo`).

The population is built once, through the emulator's own public API, on a template site
(`demo.py`); every seeded site then receives a copy of the template's state with fresh,
deterministic ids (`cloning.py`). Building through the API keeps the population exactly what a
client could have made; copying keeps a thousand sites within the startup budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from stackfleet.emulator.seed.cloning import clone_site
from stackfleet.emulator.seed.demo import build_template
from stackfleet.emulator.site import Emulator, SiteConfig

SEEDS = ("demo",)
TEMPLATE = "seed-template"


def seed_sites(
    emulator: Emulator,
    names: Iterable[str],
    seed: str = "demo",
    progress: Callable[[], None] | None = None,
) -> None:
    """Fill each named site with the `seed` population, replacing what it holds.

    `progress` is called once per seeded site.
    """
    if seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}; choose one of: {', '.join(SEEDS)}")
    targets = [emulator.sites[name] for name in names]
    if not targets:
        return
    first = targets[0].config
    config = SiteConfig(TEMPLATE, region=first.region, capacity=first.capacity)
    config.admin_password, config.member_password = first.admin_password, first.member_password
    template = emulator.add_site(config)
    try:
        build_template(emulator, template)
        for target in targets:
            clone_site(template, target)
            if progress is not None:
                progress()
    finally:
        emulator.remove_site(TEMPLATE)
