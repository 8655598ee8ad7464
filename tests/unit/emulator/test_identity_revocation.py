"""Keystone revocation events against tokens issued around them (whole-second granularity)."""

from __future__ import annotations

import datetime as dt

from stackfleet.emulator.identity.state import DEFAULT_DOMAIN, IdentityState, Token

T0 = dt.datetime(2026, 11, 22, 6, 0, 0, 400_000, tzinfo=dt.UTC)


class _Clock:
    def now(self) -> dt.datetime:
        return T0 + dt.timedelta(seconds=5)

    def monotonic(self) -> float:
        return 5.0


def _token(state: IdentityState, user_id: str, issued_at: dt.datetime) -> str:
    token = Token(
        id=f"t-{issued_at.timestamp()}",
        user_id=user_id,
        methods=["password"],
        expires_at=issued_at + dt.timedelta(hours=1),
        issued_at=issued_at,
        audit_id="a",
    )
    state.tokens[token.id] = token
    return token.id


def test_tokens_issued_in_the_second_of_a_password_change_are_revoked() -> None:
    state = IdentityState(site_url="http://x", region="r")
    state.add_domain(DEFAULT_DOMAIN, "Default")
    user = state.add_user("alice", DEFAULT_DOMAIN, "pw", T0)
    before = _token(state, user["id"], T0)
    state.revoke_user_tokens(user["id"], T0 + dt.timedelta(milliseconds=100))
    same_second = _token(state, user["id"], T0 + dt.timedelta(milliseconds=300))
    next_second = _token(state, user["id"], T0 + dt.timedelta(seconds=1))
    assert state.validate(before, _Clock()) is None
    assert state.validate(same_second, _Clock()) is None
    assert state.validate(next_second, _Clock()) is not None
