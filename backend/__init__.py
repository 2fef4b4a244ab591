"""Heitje backend: FastAPI app, domain services, chain adapter, workers and CLI."""
