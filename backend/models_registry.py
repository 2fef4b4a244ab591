"""Imports every domain's models so Base.metadata knows all tables (for Alembic and tests)."""

from backend.accounts import models as _accounts  # noqa: F401
from backend.audit import models as _audit  # noqa: F401
from backend.auth import models as _auth  # noqa: F401
from backend.chain import ledger as _chain_txs  # noqa: F401
from backend.chain import relayer as _relayer  # noqa: F401
from backend.claims import models as _claims  # noqa: F401
from backend.http import models as _http  # noqa: F401
from backend.indexer import models as _indexer  # noqa: F401
from backend.merchants import models as _merchants  # noqa: F401
from backend.payment_requests import models as _payment_requests  # noqa: F401
from backend.payments import models as _payments  # noqa: F401
from backend.payouts import models as _payouts  # noqa: F401
from backend.privacy import models as _privacy  # noqa: F401
from backend.redemptions import models as _redemptions  # noqa: F401
from backend.relaying import models as _relaying  # noqa: F401
from backend.rewards import models as _rewards  # noqa: F401
from backend.tasks import models as _tasks  # noqa: F401
