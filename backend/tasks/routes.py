"""HTTP routes of the tasks domain (thin: parse, call one service function, return)."""

from fastapi import APIRouter

router = APIRouter(tags=["tasks"])
