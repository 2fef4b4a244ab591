"""Schemathesis against the OpenAPI document of a running Heitje API (`python -m fuzz`)."""
