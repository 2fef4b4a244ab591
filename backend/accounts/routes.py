"""HTTP routes of the accounts domain (thin: parse, call one service function, return)."""

from fastapi import APIRouter

router = APIRouter(tags=["accounts"])
