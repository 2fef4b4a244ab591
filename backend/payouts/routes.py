"""HTTP routes of the payouts domain (thin: parse, call one service function, return)."""

from fastapi import APIRouter

router = APIRouter(tags=["payouts"])
