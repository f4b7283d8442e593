"""Users and their settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.model import DateOrder, User
from storage.database import Database
from storage.models import UserRow


class SqlAlchemyUserRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, user_id: int) -> User | None:
        async with self._db.session() as session:
            row = await session.get(UserRow, user_id)
        return None if row is None else _to_user(row)

    async def upsert(
        self, user_id: int, chat_id: int, language_code: str | None, now: datetime
    ) -> User:
        """Create the user on first contact; later calls refresh the chat and language."""
        insert = pg_insert if self._db.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(UserRow)
            .values(id=user_id, chat_id=chat_id, language_code=language_code, created_at=now)
            .on_conflict_do_update(
                index_elements=[UserRow.id],
                set_={"chat_id": chat_id, "language_code": language_code},
            )
            .returning(UserRow)
        )
        async with self._db.session() as session, session.begin():
            row = (await session.execute(statement)).scalar_one()
        return _to_user(row)

    async def set_timezone(self, user_id: int, timezone: str) -> None:
        await self._set(user_id, timezone=timezone)

    async def set_date_order(self, user_id: int, date_order: DateOrder) -> None:
        await self._set(user_id, date_order=date_order.value)

    async def _set(self, user_id: int, **values: str) -> None:
        async with self._db.session() as session, session.begin():
            await session.execute(update(UserRow).where(UserRow.id == user_id).values(**values))


def _to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        chat_id=row.chat_id,
        timezone=row.timezone,
        language_code=row.language_code,
        date_order=DateOrder(row.date_order) if row.date_order else None,
    )
