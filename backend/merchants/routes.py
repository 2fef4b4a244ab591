"""HTTP routes of the merchants domain (thin: parse, call one service function, return)."""

from fastapi import APIRouter

router = APIRouter(tags=["merchants"])
