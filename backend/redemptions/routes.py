"""HTTP routes of the redemptions domain (thin: parse, call one service function, return)."""

from fastapi import APIRouter

router = APIRouter(tags=["redemptions"])
