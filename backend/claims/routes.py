"""HTTP routes of the claims domain (thin: parse, call one service function, return)."""

from fastapi import APIRouter

router = APIRouter(tags=["claims"])
