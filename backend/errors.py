"""The one exception tree. Each rule a request can break is a subclass with its HTTP status and
code; `install_handlers` maps them (and FastAPI's own validation errors) to the JSON shape of
DESIGN.md: {"error": {"code": ..., "message": ...}}. Anything else is a 500 and a bug."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("heitje")


class HeitjeError(Exception):
    """Root of every error a user can cause. Subclasses set `status` and `code`."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ErrorDetail(BaseModel):
    code: str = Field(examples=["validation_error"])
    message: str = Field(examples=["reward: must be more than 0.00"])
    details: dict[str, Any] | None = None


class ErrorOut(BaseModel):
    """Every 4xx and 503 answer has this shape."""

    error: ErrorDetail


def _documented(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# Documented on every API route (a route's own, more specific, descriptions take precedence).
COMMON_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("malformed request (`bad_request`, or a domain-specific code)"),
    401: _documented("not signed in, or the token is expired or invalid (`unauthorized`)"),
    403: _documented("signed in without the role this needs (`forbidden`)"),
    413: _documented("the body is larger than this endpoint accepts (`too_large`), refused before it is read"),
    422: _documented("input breaks a rule (`validation_error`, with the field)"),
    429: _documented("too many requests from this client or account (`rate_limited`); see the Retry-After header"),
    503: _documented(
        "the chain node or the database is unreachable (`chain_unavailable`, `database_unavailable`), or the "
        "service is busy (`overloaded`, with Retry-After)"
    ),
}


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


# --- generic -----------------------------------------------------------------------------------


class ValidationFailed(HeitjeError):
    """Raised when input is well-formed JSON but breaks a rule of its own (a field's range or shape)."""

    status = 422
    code = "validation_error"


class NotFound(HeitjeError):
    """Raised when the thing asked for does not exist (or is not visible to this user)."""

    status = 404
    code = "not_found"

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} was not found", what=what, id=str(ident))


class Unauthorized(HeitjeError):
    """Raised when a request needs a signed-in user and has no valid bearer token."""

    status = 401
    code = "unauthorized"


class Forbidden(HeitjeError):
    """Raised when the signed-in user lacks the role the endpoint needs."""

    status = 403
    code = "forbidden"

    def __init__(self, role: str) -> None:
        super().__init__(f"this needs the {role} role", role=role)


class Conflict(HeitjeError):
    """Raised when the request is valid but the current state does not allow it."""

    status = 409
    code = "conflict"


class ChainUnavailable(HeitjeError):
    """Raised when the request needs the chain and the RPC node does not answer."""

    status = 503
    code = "chain_unavailable"

    def __init__(self, reason: str = "") -> None:
        super().__init__(
            "the blockchain node is not reachable right now; please try again in a moment",
            reason=reason,
        )


# --- domain errors: each domain adds its subclasses below, grouped under a heading ------------


# --- auth, tasks, claims, rewards (issue 4: the task-to-reward loop) --------------------------


class SignInFailed(HeitjeError):
    """Raised when a sign-in (EIP-4361) message or its signature is refused: unknown, used or expired
    nonce, wrong domain, URI or chain id, expired message, or a signature from another key."""

    status = 401
    code = "sign_in_failed"

    def __init__(self, reason: str, problem: str) -> None:
        super().__init__(f"sign-in refused: {reason}", problem=problem)


class TaskNotOpen(HeitjeError):
    """Raised when a citizen claims a task that an operator closed or whose deadline has passed."""

    status = 409
    code = "task_closed"

    def __init__(self, task_id: int) -> None:
        super().__init__(f"task {task_id} is closed for new claims", task_id=task_id)


class TaskFull(HeitjeError):
    """Raised when a citizen claims a task whose every place is taken."""

    status = 409
    code = "task_full"

    def __init__(self, task_id: int, capacity: int) -> None:
        super().__init__(f"task {task_id} is full (all {capacity} places are taken)", task_id=task_id)


class AlreadyClaimed(HeitjeError):
    """Raised when a citizen claims a task they have claimed before."""

    status = 409
    code = "already_claimed"

    def __init__(self, task_id: int) -> None:
        super().__init__(f"you have already claimed task {task_id}", task_id=task_id)


class ClaimStateConflict(HeitjeError):
    """Raised when a claim is asked to do something its status does not allow (e.g. approving a
    claim without proof, or sending proof for a decided claim)."""

    status = 409
    code = "claim_status_conflict"

    def __init__(self, claim_id: int, status: str, action: str) -> None:
        super().__init__(f"claim {claim_id} is {status}; it cannot be {action}", claim_id=claim_id, status=status)


class BadPhoto(HeitjeError):
    """Raised when the proof photo is not a JPEG, PNG or WebP image that decodes, or is too large."""

    status = 422
    code = "invalid_photo"


class YearlyCapExceeded(HeitjeError):
    """Raised when approving a claim would take the citizen's rewards this calendar year past the
    yearly cap (settings.yearly_cap); nothing is approved and nothing is minted."""

    status = 409
    code = "yearly_cap_exceeded"

    def __init__(self, citizen: str, year: int, already: str, reward: str, cap: str) -> None:
        super().__init__(
            f"approving would pay {citizen} {reward} on top of {already} in {year}, over the yearly cap of {cap}",
            citizen=citizen, year=year, already=already, reward=reward, cap=cap,
        )


# --- merchants, payments, redemptions (issue 5: the merchant loop) ----------------------------


class InvalidIban(HeitjeError):
    """Raised when a merchant's IBAN fails validation (country format, length or check digits)."""

    status = 422
    code = "invalid_iban"

    def __init__(self, reason: str) -> None:
        super().__init__(f"the IBAN is not valid: {reason}", reason=reason)


class MerchantExists(HeitjeError):
    """Raised when an operator registers an address that is already in the merchant registry."""

    status = 409
    code = "merchant_exists"

    def __init__(self, address: str) -> None:
        super().__init__(f"{address} is already registered as a merchant", address=address)


class BadSignature(HeitjeError):
    """Raised when a signed authorization does not recover to the account it speaks for."""

    status = 422
    code = "bad_signature"

    def __init__(self, signer: str) -> None:
        super().__init__(
            f"the signature was not made by {signer}'s key for this exact authorization", signer=signer
        )


class ReceiverNotAllowed(HeitjeError):
    """Raised when a payment goes between two non-merchants while person-to-person transfers are closed."""

    status = 422
    code = "receiver_not_allowed"

    def __init__(self, to: str) -> None:
        super().__init__(f"{to} is not a registered merchant, and payments between people are closed", to=to)


class InsufficientBalance(HeitjeError):
    """Raised when the payer (or redeeming merchant) holds fewer units than the authorization moves."""

    status = 422
    code = "insufficient_balance"

    def __init__(self, account: str, balance: str, needed: str) -> None:
        super().__init__(f"{account} holds {balance}, which is less than {needed}",
                         account=account, balance=balance, needed=needed)


class AuthorizationExpired(HeitjeError):
    """Raised when the authorization's validBefore has passed (or is too close to be mined in time)."""

    status = 422
    code = "authorization_expired"

    def __init__(self, valid_before: int) -> None:
        super().__init__(
            "the signed authorization has expired; sign a new one", valid_before=str(valid_before)
        )


class AuthorizationNotYetValid(HeitjeError):
    """Raised when the authorization's validAfter is still in the future."""

    status = 422
    code = "authorization_not_yet_valid"

    def __init__(self, valid_after: int) -> None:
        super().__init__("the signed authorization is not valid yet", valid_after=str(valid_after))


class AuthorizationUsed(HeitjeError):
    """Raised when the authorization's nonce was already used on chain by another transaction."""

    status = 409
    code = "authorization_used"

    def __init__(self, authorizer: str, nonce: str) -> None:
        super().__init__("this authorization has already been used", authorizer=authorizer, nonce=nonce)


class AuthorizationCancelled(HeitjeError):
    """Raised when the signer cancelled the authorization (cancelAuthorization) before it was relayed."""

    status = 409
    code = "authorization_cancelled"

    def __init__(self, authorizer: str, nonce: str) -> None:
        super().__init__("this authorization was cancelled by its signer", authorizer=authorizer, nonce=nonce)


class CoinPaused(HeitjeError):
    """Raised when the coin is paused, so no payment or redemption can move money."""

    status = 409
    code = "coin_paused"

    def __init__(self) -> None:
        super().__init__("the coin is paused by the city; payments and redemptions are stopped for now")


class NotAMerchant(HeitjeError):
    """Raised when a redemption is signed by an address that is not a registered merchant on chain."""

    status = 422
    code = "not_merchant"

    def __init__(self, address: str) -> None:
        super().__init__(f"{address} is not a registered merchant, so it cannot redeem", address=address)


class RelayRefused(HeitjeError):
    """Raised when the chain would refuse a relayed call for a reason no more specific error covers."""

    status = 422
    code = "relay_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(f"the chain would refuse this transaction: {reason}", reason=reason)


class RedemptionMismatch(HeitjeError):
    """Raised when a signed redemption's merchant or amount differs from the request its ref names."""

    status = 422
    code = "redemption_mismatch"

    def __init__(self, ref: str, field: str) -> None:
        super().__init__(f"the signed {field} does not match redemption {ref}", ref=ref, field=field)


class RelayerUnavailable(HeitjeError):
    """Raised when the node refuses the relayer's own transaction (e.g. the relayer key is out of gas
    money); the signed authorization was not used and may be posted again later."""

    status = 503
    code = "relayer_unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(
            "the relayer cannot send transactions right now; please try again later", reason=reason
        )


class RedemptionClosed(HeitjeError):
    """Raised when relaying for a ref whose burn was already sent, burned or failed."""

    status = 409
    code = "redemption_closed"

    def __init__(self, ref: str, status: str) -> None:
        super().__init__(f"redemption {ref} is already {status}", ref=ref, status=status)


# --- indexer, payouts, reports (issue 5: chain events to euros) --------------------------------


class NothingToPay(HeitjeError):
    """Raised by POST /payouts/sepa when no due payout can go in a file (none due, or every due
    payout lacks a merchant record with an IBAN)."""

    status = 409
    code = "nothing_to_pay"

    def __init__(self, skipped: int = 0) -> None:
        extra = f"; {skipped} due payout(s) have no merchant record with an IBAN" if skipped else ""
        super().__init__(f"there is no due payout to export{extra}", skipped=skipped)


class PayoutNotExported(HeitjeError):
    """Raised when a payout is marked paid before it was exported in a SEPA file."""

    status = 409
    code = "payout_not_exported"

    def __init__(self, payout_id: int) -> None:
        super().__init__(
            f"payout {payout_id} is still due: export it in a SEPA file first", payout_id=payout_id
        )


# What the drivers say when the connection itself failed (psycopg, sqlite3): matched in lower case.
_CONNECTION_FAILURES = (
    "connection refused",
    "could not connect",
    "connection failed",
    "connection is closed",
    "connection already closed",
    "server closed the connection",
    "terminating connection",
    "the database system is shutting down",
    "the database system is starting up",
    "consuming input failed",
    "no route to host",
    "timeout expired",
    "unable to open database file",
)


def connection_lost(exc: BaseException) -> bool:
    """Whether a database error means the connection failed (refused, dropped, closed), as opposed to
    the database refusing what we asked (which is a bug)."""
    if getattr(exc, "connection_invalidated", False):
        return True
    cause = getattr(exc, "orig", None) or exc.__cause__ or exc
    sqlstate = getattr(cause, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate[:2] in ("08", "57"):  # connection exception, operator intervention
        return not sqlstate.startswith("57014")  # 57014 is a cancelled query (statement timeout), not an outage
    text = str(cause).lower()
    return any(phrase in text for phrase in _CONNECTION_FAILURES)


OVERLOAD_RETRY_AFTER = 1  # seconds: a busy process frees up quickly


def install_handlers(app: FastAPI) -> None:
    """Maps every error to the JSON shape of DESIGN.md."""

    @app.exception_handler(HeitjeError)
    async def _heitje(_: Request, exc: HeitjeError) -> JSONResponse:
        # An error that says when to come back (a 429) says it in the standard header too.
        retry_after = exc.details.get("retry_after")
        headers = {"Retry-After": str(retry_after)} if isinstance(retry_after, int) else None
        return JSONResponse(error_body(exc.code, exc.message, **exc.details), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "problem": err.get("msg")}
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"field": "", "problem": "invalid input"}
        message = f"{first['field'] or 'input'}: {first['problem']}"
        return JSONResponse(error_body("validation_error", message, problems=problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            404: "not_found",
            405: "method_not_allowed",
            401: "unauthorized",
            403: "forbidden",
            413: "too_large",  # Starlette's body limit (backend/http/body.py), for a body of undeclared size
        }.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(DataError)
    async def _unstorable(_: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the validators let through (a NUL byte in text on PostgreSQL,
        # a number past a column's range): bad input, nothing was written.
        return JSONResponse(
            error_body("validation_error", "a value contains characters or a size the database cannot store"),
            status_code=422,
        )

    @app.exception_handler(OverflowError)
    async def _too_large(_: Request, exc: OverflowError) -> JSONResponse:
        # A number past what the database column holds slipped past a route's bounds: still bad input.
        log.warning("number out of range reached the database: %s", exc)
        return JSONResponse(error_body("validation_error", "a number in the request is too large"), status_code=422)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_error(_: Request, exc: Exception) -> JSONResponse:
        # Only a lost or refused connection is an outage (503); anything else the database says (a
        # missing table, a query it refuses, too many parameters) is a bug: 500, logged with its cause.
        if not connection_lost(exc):
            log.error("database error (a bug): %s", exc, exc_info=exc)
            return JSONResponse(
                error_body("internal_error", "something went wrong on our side; it has been logged"), status_code=500
            )
        log.warning("database unavailable: %s", exc)
        return JSONResponse(
            error_body("database_unavailable", "the database is not reachable right now; please try again shortly"),
            status_code=503,
        )

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(_: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("no database connection free: %s", exc)
        busy = Overloaded("no database connection became free in time", OVERLOAD_RETRY_AFTER)
        return JSONResponse(
            error_body(busy.code, busy.message, **busy.details),
            status_code=busy.status,
            headers={"Retry-After": str(OVERLOAD_RETRY_AFTER)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error (a bug): %s", exc)
        return JSONResponse(
            error_body("internal_error", "something went wrong on our side; it has been logged"), status_code=500
        )


# --- claims: own claims, expiry, open-claim limit, hostile photos (issue 11) --------------------


class OwnClaim(HeitjeError):
    """Raised when an operator approves or rejects a claim they made themselves: nobody decides
    their own claim (another operator must)."""

    status = 409
    code = "own_claim"

    def __init__(self, claim_id: int) -> None:
        super().__init__(
            f"claim {claim_id} is your own; another operator has to decide it", claim_id=claim_id
        )


class PhotoTooLarge(HeitjeError):
    """Raised when a proof photo has more pixels than settings.max_photo_pixels (read from its header,
    before decoding), or needs more memory to decode than a photo worker may use."""

    status = 422
    code = "photo_too_large"

    def __init__(self, reason: str, max_pixels: int) -> None:
        super().__init__(f"the photo is too large: {reason}", max_pixels=max_pixels)


class TooManyOpenClaims(HeitjeError):
    """Raised when a citizen claims a task while already holding settings.max_open_claims claims without
    proof (so a few wallets cannot hold every place); sending proof, or a claim expiring, makes room."""

    status = 409
    code = "too_many_open_claims"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"you already hold {limit} claims without proof; send proof for one of them first", limit=limit
        )


# --- edge: request limits (issue 11) ------------------------------------------------------------


class BodyTooLarge(HeitjeError):
    """Raised (by the edge, before the body is read) when a request's body is declared or streams
    larger than its route accepts: the photo limit for uploads, MAX_JSON_BYTES for everything else."""

    status = 413
    code = "too_large"

    def __init__(self, limit: int, declared: int | None) -> None:
        size = f"{declared:,} bytes" if declared is not None else "the body"
        super().__init__(f"{size} is more than this endpoint accepts ({limit:,} bytes)", limit=limit)


class RateLimited(HeitjeError):
    """Raised when a client (IP address) or an account has used up a rate limit (RATE_LIMITS);
    the answer carries Retry-After with the seconds until the window resets."""

    status = 429
    code = "rate_limited"

    def __init__(self, bucket: str, retry_after: int) -> None:
        super().__init__(
            f"too many {bucket.replace('_', '-')} requests; try again in {retry_after} s",
            bucket=bucket,
            retry_after=retry_after,
        )
# --- relaying (issue 11: the relayer's gas is the city's money) -----------------------------------


class NotThePayer(HeitjeError):
    """Raised when a signed-in user asks us to relay an authorization that someone else signed: only the
    payer relays their payment (and only the merchant their redemption); operators do not relay for others."""

    status = 403
    code = "not_the_payer"

    def __init__(self, payer: str) -> None:
        super().__init__(
            f"only {payer} can relay this authorization: sign in as the account that signed it", payer=payer
        )


class AmountTooSmall(HeitjeError):
    """Raised when a relayed payment or redemption moves less than settings.min_relay_amount: below it a
    relay only spends the city's gas."""

    status = 422
    code = "amount_too_small"

    def __init__(self, minimum: str) -> None:
        super().__init__(f"the relayer only sends amounts of at least {minimum}", minimum=minimum, field="value")


class GasBudgetExhausted(HeitjeError):
    """Raised before anything is sent when a relay would take the payer's (RELAY_GAS_PER_PAYER_DAY) or the
    whole day's (RELAY_GAS_PER_DAY) relayer gas past its budget; Retry-After says when the day ends."""

    status = 429
    code = "gas_budget_exhausted"

    def __init__(self, budget: str, retry_after: int) -> None:
        whose = "your" if budget == "payer" else "today's"
        super().__init__(
            f"the relayer has spent {whose} gas budget; try again in {retry_after} s (the day ends) "
            "or send the transaction from your own wallet",
            budget=budget,
            retry_after=retry_after,
        )


# --- privacy (issue 13: data rights, retention, yearly statement) --------------------------------


class ErasureBlocked(HeitjeError):
    """Raised by POST /me/erase (and `heitje privacy erase`) while money or a decision is still under
    way for the address (an open claim, a reward not yet on chain, a payment being relayed), or when
    the address is a shop's or an operator's (their records are the city's business books)."""

    status = 409
    code = "erasure_blocked"

    def __init__(self, address: str, why: str, problem: str) -> None:
        # problem: operator | merchant | open_claim | unpaid_reward | payment_relaying
        super().__init__(f"{address} cannot be erased yet: {why}", address=address, problem=problem)
# --- coin operations (heitje coin ...) -----------------------------------------------------------


class NotRoleHolder(HeitjeError):
    """Raised when an admin action needs a role that neither the operator's key nor a Safe holds."""

    status = 403
    code = "not_role_holder"

    def __init__(self, role: str, account: str) -> None:
        super().__init__(
            f"{account} does not hold {role}, and no Safe holding it was found", role=role, account=account
        )


class UnknownRole(HeitjeError):
    """Raised when a role name is not one of the coin's roles."""

    status = 422
    code = "unknown_role"

    def __init__(self, role: str) -> None:
        super().__init__(
            f"{role!r} is not a role: use DEFAULT_ADMIN_ROLE, MINTER_ROLE, REGISTRAR_ROLE or PAUSER_ROLE", role=role
        )


class AdminCallRefused(HeitjeError):
    """Raised when the chain would refuse an admin call (or a Safe transaction), with its reason."""

    status = 422
    code = "admin_call_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(f"the chain refuses this call: {reason}", reason=reason)


class ProposalNotFound(HeitjeError):
    """Raised when a Safe proposal id is not in the proposals directory."""

    status = 404
    code = "proposal_not_found"

    def __init__(self, proposal_id: str) -> None:
        super().__init__(f"there is no Safe proposal {proposal_id}", proposal_id=proposal_id)


class NotSafeOwner(HeitjeError):
    """Raised when a signature on a Safe proposal recovers to an address that is not an owner."""

    status = 403
    code = "not_safe_owner"

    def __init__(self, signer: str, safe: str) -> None:
        super().__init__(f"{signer} is not an owner of the Safe {safe}", signer=signer, safe=safe)


class ThresholdNotMet(HeitjeError):
    """Raised when a Safe proposal is executed with fewer owner signatures than the Safe's threshold."""

    status = 409
    code = "threshold_not_met"

    def __init__(self, have: int, need: int) -> None:
        super().__init__(f"the proposal has {have} of the {need} owner signatures it needs", have=have, need=need)


class ProposalClosed(HeitjeError):
    """Raised when signing or executing a proposal that was executed, or whose Safe nonce was used."""

    status = 409
    code = "proposal_closed"

    def __init__(self, proposal_id: str, why: str) -> None:
        super().__init__(f"proposal {proposal_id} is closed: {why}", proposal_id=proposal_id)


class KeyStillBusy(HeitjeError):
    """Raised when a key being rotated out still has transactions in flight."""

    status = 409
    code = "key_still_busy"

    def __init__(self, address: str, in_flight: int) -> None:
        super().__init__(
            f"{address} still has {in_flight} transaction(s) in flight, or a sender still runs with it: stop that "
            "sender, and run the command again once they settle",
            address=address,
            in_flight=in_flight,
        )


class DatabaseBehindChain(HeitjeError):
    """Raised at start-up (`heitje up`, `heitje worker`) when the chain holds `Rewarded` events for
    claim ids of this installation that the database does not know: the database is behind the chain
    (restored from an older backup), and new claims would reuse numbers the chain already paid."""

    status = 409
    code = "database_behind_chain"

    def __init__(self, unknown: list[int], highest_known: int) -> None:
        shown = ", ".join(str(n) for n in unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        super().__init__(
            f"the database is behind the chain: the chain paid {len(unknown)} rewards for claims of this "
            f"installation that the database does not know (claim numbers {shown}; the database's highest "
            f"claim is {highest_known}). Refusing to start, or new claims would reuse those numbers. "
            "To recover: restore the newest backup of the database (one taken after claim "
            f"{max(unknown)}) and start again. If there is no newer backup, those claims are lost from the "
            "database (the chain's Rewarded events say whom each was paid and how much; re-enter them "
            f"by hand if needed), then run `heitje rewards skip-claims {max(unknown)}` so new claims are "
            "numbered after them, and start again. See README, Troubleshooting.",
            unknown=unknown[:100],
            highest_known=highest_known,
        )


# -- payment requests (issue 12)


class PaymentRequestPaid(HeitjeError):
    """Raised when a payment request already has its payment and another authorization is sent for it."""

    status = 409
    code = "payment_request_paid"

    def __init__(self, request_id: str) -> None:
        super().__init__(f"payment request {request_id} has already been paid", request_id=request_id)


class PaymentRequestExpired(HeitjeError):
    """Raised when a payment request is paid (or its typed data asked for) after it expired."""

    status = 409
    code = "payment_request_expired"

    def __init__(self, request_id: str) -> None:
        super().__init__(
            f"payment request {request_id} has expired: ask the shop for a new code", request_id=request_id
        )


class PaymentRequestMismatch(HeitjeError):
    """Raised when a signed transfer sent for a payment request differs from it (receiver, amount, nonce)."""

    status = 422
    code = "payment_request_mismatch"

    def __init__(self, request_id: str, field: str) -> None:
        super().__init__(
            f"{field}: the signed transfer does not match payment request {request_id}",
            request_id=request_id,
            field=field,
        )


class AmbiguousRegistrationCode(HeitjeError):
    """Raised when a shop's short registration code fits more than one account: ask for the address."""

    status = 409
    code = "ambiguous_registration_code"

    def __init__(self, code: str) -> None:
        super().__init__(
            f"the registration code {code} fits more than one account; register the shop by its full address",
            registration_code=code,
        )
# --- allowance rules, audit trail, four eyes (issue 13, rules) --------------------------------


class MonthlyCapExceeded(HeitjeError):
    """Raised when approving a claim would take the citizen's rewards this calendar month (in CAP_TIMEZONE) past
    the monthly cap (settings.monthly_cap); nothing is approved and nothing is minted."""

    status = 409
    code = "monthly_cap_exceeded"

    def __init__(self, citizen: str, month: str, already: str, reward: str, cap: str) -> None:
        super().__init__(
            f"approving would pay {citizen} {reward} on top of {already} in {month}, over the monthly cap of {cap}",
            citizen=citizen, month=month, already=already, reward=reward, cap=cap,
        )


class HourlyRateTooHigh(HeitjeError):
    """Raised when a task's reward divided by its estimated hours is above settings.max_hourly_rate
    (the volunteer allowance's hourly limit); the task is not posted."""

    status = 422
    code = "hourly_rate_too_high"

    def __init__(self, reward: str, minutes: int, rate: str, limit: str) -> None:
        super().__init__(
            f"a reward of {reward} for {minutes} minutes pays {rate} an hour, above the limit of {limit} an hour; "
            "lower the reward or raise the estimated minutes",
            field="reward", reward=reward, minutes=minutes, rate=rate, limit=limit,
        )


class MinutesRequired(HeitjeError):
    """Raised when a task is posted without its estimated minutes while a maximum hourly rate is set:
    without them the rate cannot be checked."""

    status = 422
    code = "minutes_required"

    def __init__(self, limit: str) -> None:
        super().__init__(
            f"minutes: give the task's estimated minutes; rewards are limited to {limit} an hour",
            field="minutes", limit=limit,
        )


class AwaitingSecondOperator(HeitjeError):
    """Raised when a SEPA batch above SEPA_FOUR_EYES_TOTAL is downloaded or marked paid before a
    second operator confirmed it."""

    status = 409
    code = "awaiting_approval"

    def __init__(self, batch_id: int) -> None:
        super().__init__(
            f"SEPA batch {batch_id} is above the four-eyes total: another operator must confirm it first",
            batch_id=batch_id,
        )


class SameOperator(HeitjeError):
    """Raised when the operator who exported a four-eyes SEPA batch tries to confirm it themselves."""

    status = 409
    code = "same_operator"

    def __init__(self, batch_id: int) -> None:
        super().__init__(
            f"SEPA batch {batch_id} was exported by you: a different operator must confirm it", batch_id=batch_id
        )


class NotAwaitingApproval(HeitjeError):
    """Raised when a SEPA batch is confirmed that does not wait for a second operator (below the
    four-eyes total, or already confirmed)."""

    status = 409
    code = "not_awaiting_approval"

    def __init__(self, batch_id: int) -> None:
        super().__init__(f"SEPA batch {batch_id} does not wait for a confirmation", batch_id=batch_id)


class MonthRangeReversed(HeitjeError):
    """Raised when a report's date range ends (`to`) before it starts (`from`)."""

    status = 422
    code = "month_range_reversed"

    def __init__(self, first: str, last: str) -> None:
        super().__init__(f"the range ends ({last}) before it starts ({first}): give from <= to", first=first, last=last)


# --- paging: keyset cursors of every list (issue 16) --------------------------------------------


class Overloaded(HeitjeError):
    """Raised (answered, really: by backend.http.admission, or when no pooled database connection is free
    within backend.db.POOL_TIMEOUT_SECONDS) when the API process has more work than it can start now; the
    answer is 503 with Retry-After, at once, instead of a request that hangs and then fails."""

    status = 503
    code = "overloaded"

    def __init__(self, why: str, retry_after: int) -> None:
        super().__init__(f"the service is busy ({why}); try again in {retry_after} s", retry_after=retry_after)


class BadCursor(HeitjeError):
    """Raised when a list's `cursor` is not one this server handed out (edited, truncated, or from
    another list): the client should start again from the first page."""

    status = 422
    code = "bad_cursor"

    def __init__(self, cursor: str) -> None:
        shown = cursor if len(cursor) <= 40 else cursor[:40] + "..."
        super().__init__(
            f"cursor {shown!r} is not a cursor of this list: start again without one", field="cursor"
        )
