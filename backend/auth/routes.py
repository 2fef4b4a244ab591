"""HTTP routes of the auth domain (thin: parse, call one service function, return)."""

from fastapi import APIRouter

router = APIRouter(tags=["auth"])
