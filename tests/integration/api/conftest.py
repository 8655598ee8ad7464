"""One served control plane per test module (tests add their own emulator sites to it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.api.served import Stack, serve_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with serve_stack(tmp_path_factory.mktemp("stackfleet")) as served:
        yield served
