"""HTTP routes of the auth domain: GET /auth/nonce, POST /auth/login (EIP-4361)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from backend.auth import service
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
