"""Parley's HTTP API (``/api/v1``), for gateways, testers and integrations."""
