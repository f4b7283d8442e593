"""The Alembic migrations and the SQLAlchemy models describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.database import Database
from storage.migrations import downgrade, upgrade
from storage.models import Base


async def _differences(database: Database) -> list[object]:
    async with database.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
            )
        )


async def test_migrations_match_models(database: Database) -> None:
    differences = await _differences(database)

    assert differences == [], f"models and migrations disagree: {differences}"


async def test_migrations_downgrade_and_upgrade_again(database: Database) -> None:
    await downgrade(database, "base")
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    await upgrade(database)

    assert set(tables) <= {"alembic_version"}
    assert await _differences(database) == []
