"""HTTP routes of the auth domain: GET /auth/nonce, POST /auth/login (EIP-4361), GET /auth/me (who am I,
with the roles as of now) and GET /auth/registration-codes/{code} (operators: a shop's short code)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from backend.auth import codes, service
from backend.auth.deps import CurrentOperator, CurrentUser
from backend.deps import RuntimeDep, SessionDep

router = APIRouter(prefix="/auth", tags=["auth"])

EXAMPLE_MESSAGE = (
    "testserver wants you to sign in with your Ethereum account:\n"
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n\nSign in to Heitje\n\n"
    "URI: http://testserver\nVersion: 1\nChain ID: 31337\nNonce: 4c1Yb3zRt9Qk2XhE\n"
    "Issued At: 2025-01-01T10:00:00Z\nExpiration Time: 2025-01-01T10:10:00Z"
)


class NonceOut(BaseModel):
    nonce: str = Field(examples=["4c1Yb3zRt9Qk2XhE"])


class LoginIn(BaseModel):
    message: str = Field(max_length=1500, examples=[EXAMPLE_MESSAGE])
    signature: str = Field(max_length=200, examples=["0x" + "ab" * 65])


class LoginOut(BaseModel):
    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."])
    token_type: str = Field(default="bearer", examples=["bearer"])
    address: str = Field(examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"])
    roles: list[str] = Field(examples=[["citizen"]])


@router.get("/nonce", summary="A fresh single-use nonce for a sign-in message", response_model=NonceOut)
def get_nonce(runtime: RuntimeDep, session: SessionDep) -> NonceOut:
    return NonceOut(nonce=service.new_nonce(session, runtime))


@router.post(
    "/login",
    summary="Sign in with a signed EIP-4361 message",
    response_model=LoginOut,
    responses={
        401: {
            "description": "refused: `sign_in_failed` with details.problem "
            "(malformed, domain, uri, chain_id, expired, not_yet_valid, signature, nonce)"
        }
    },
)
def login(body: LoginIn, runtime: RuntimeDep, session: SessionDep) -> LoginOut:
    signed = service.sign_in(session, runtime, message=body.message, signature=body.signature)
    return LoginOut(access_token=signed.access_token, address=signed.address, roles=signed.roles)


class MeOut(BaseModel):
    address: str = Field(examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"])
    roles: list[str] = Field(examples=[["citizen", "merchant"]])
    registration_code: str = Field(
        description="The short code a shop reads out to the city to be registered", examples=["70997-970C5"]
    )


@router.get(
    "/me",
    summary="Who is signed in, with the roles as of now",
    description="Roles are looked up on every request (the token names only the address), so an app "
    "waiting to be registered as a shop polls this and switches on `merchant` without signing in again.",
    response_model=MeOut,
    responses={401: {"description": "not signed in (`unauthorized`)"}},
)
def me(user: CurrentUser) -> MeOut:
    return MeOut(address=user.address, roles=list(user.roles), registration_code=codes.code_of(user.address))


class RegistrationCodeOut(BaseModel):
    code: str = Field(examples=["70997-970C5"])
    address: str = Field(examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"])


@router.get(
    "/registration-codes/{code}",
    summary="The account a shop's short registration code stands for (operator)",
    response_model=RegistrationCodeOut,
    responses={
        401: {"description": "not signed in (`unauthorized`)"},
        403: {"description": "not an operator"},
        404: {"description": "no account that signed in recently has this code (`not_found`)"},
        409: {"description": "the code fits more than one account (`ambiguous_registration_code`)"},
        422: {"description": "not a code (`validation_failed`)"},
    },
)
def registration_code(code: str, operator: CurrentOperator, session: SessionDep) -> RegistrationCodeOut:
    address = codes.resolve(session, code)
    return RegistrationCodeOut(code=codes.code_of(address), address=address)
