"""Payment-request fixtures; their helpers live in tests.support.payment_requests."""

from tests.support.payment_requests import till

__all__ = ["till"]  # a fixture: pytest finds it in this module's namespace
