"""Heitje backend: FastAPI app, domain services, chain adapter, workers and CLI."""

import warnings

# siwe's ABNF grammar (imported, not used: we parse with its regex parser) redefines core rules and
# says so on every start; it is noise to an operator.
warnings.filterwarnings("ignore", message=r"rule '\w+' redefines")
