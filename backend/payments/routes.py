"""HTTP routes of the payments domain (thin: parse, call one service function, return)."""

from fastapi import APIRouter

router = APIRouter(tags=["payments"])
