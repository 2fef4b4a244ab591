"""Imports every domain's models so Base.metadata knows all tables (for Alembic and tests)."""

from backend.accounts import models as _accounts  # noqa: F401
from backend.merchants import models as _merchants  # noqa: F401
