"""Run one function over many keys with bounded concurrency, collecting every outcome.

Sites are slow and independent: a hanging site must not hold the others back, and one site's
failure must not stop the rest. Called by the inventory and health services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[K, R]):
    """One key's result, or the exception it raised."""

    key: K
    result: R | None = None
    error: BaseException | None = None


def fan_out(
    keys: Iterable[K],
    work: Callable[[K], R],
    limit: int,
    on_done: Callable[[Outcome[K, R]], None] | None = None,
) -> list[Outcome[K, R]]:
    """Call `work(key)` for every key, at most `limit` at a time; `on_done` sees each outcome."""
    outcomes: list[Outcome[K, R]] = []
    with ThreadPoolExecutor(max_workers=max(1, limit), thread_name_prefix="fanout") as pool:
        futures = {pool.submit(work, key): key for key in keys}
        for future in as_completed(futures):
            key = futures[future]
            error = future.exception()
            outcome = (
                Outcome(key, error=error) if error is not None else Outcome(key, future.result())
            )
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
    return outcomes
