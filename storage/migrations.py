"""Apply Alembic migrations from inside postlater."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from storage.database import Database

logger = logging.getLogger(__name__)

# The migrations live in the repository's top-level alembic/ folder, next to
# the storage package (postlater is installed in editable mode).
SCRIPT_LOCATION = Path(__file__).resolve().parent.parent / "alembic"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision` on the database's own engine."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)
    logger.info("database schema is at %s", revision)


async def downgrade(database: Database, revision: str) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)
