"""Stackfleet's REST API (FastAPI, under /v1) and the wire schemas its typed client shares.

Kept empty so `stackfleet.api.schemas` imports without FastAPI or the composition root: the
client and the CLI use the schemas alone.
"""
