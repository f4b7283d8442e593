"""GET /healthz: is the process up and can it reach its database."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse

from storage.database import Database

logger = logging.getLogger(__name__)


class Health:
    def __init__(self, database: Database, mode: str, queue: str) -> None:
        self._database = database
        self._details = {"updates": mode, "queue": queue}

    async def __call__(self, request: Request) -> JSONResponse:
        try:
            async with self._database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            logger.warning("health check: database unreachable", exc_info=True)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", **self._details})
