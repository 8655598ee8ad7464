"""The real tier: the conformance suite run against real Zed sites and the emulator, compared."""
