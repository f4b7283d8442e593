"""Dialogue state and drafts, kept per user in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.model import Dialogue, DialogueState
from storage.database import Database
from storage.models import DialogueRow, ProcessedUpdateRow


class SqlAlchemyDialogueRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, user_id: int) -> Dialogue:
        async with self._db.session() as session:
            row = await session.get(DialogueRow, user_id)
        if row is None:
            return Dialogue(user_id=user_id)
        return Dialogue(
            user_id=user_id,
            state=DialogueState(row.state) if row.state else None,
            subject=row.subject,
            payload=dict(row.payload or {}),
            draft_text=row.draft_text,
            draft_at=row.draft_at,
            updated_at=row.updated_at,
        )

    async def expect(
        self,
        user_id: int,
        state: DialogueState,
        now: datetime,
        *,
        subject: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Remember what the user's next message answers."""
        await self._upsert(user_id, now, state=state.value, subject=subject, payload=payload or {})

    async def clear(self, user_id: int, now: datetime) -> None:
        await self._upsert(user_id, now, state=None, subject=None, payload=None)

    async def save_draft(self, user_id: int, text: str, now: datetime) -> None:
        await self._upsert(user_id, now, draft_text=text, draft_at=now)

    async def clear_draft(self, user_id: int, now: datetime) -> None:
        await self._upsert(user_id, now, draft_text=None, draft_at=None)

    async def _upsert(self, user_id: int, now: datetime, **values: Any) -> None:
        insert = pg_insert if self._db.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(DialogueRow)
            .values(user_id=user_id, updated_at=now, **values)
            .on_conflict_do_update(
                index_elements=[DialogueRow.user_id], set_={"updated_at": now, **values}
            )
        )
        async with self._db.session() as session, session.begin():
            await session.execute(statement)


class SqlAlchemyUpdateLog:
    """Telegram update ids already taken, so a resent webhook update runs once."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def first_time(self, update_id: int, now: datetime) -> bool:
        """Record `update_id`; False when it was recorded before."""
        insert = pg_insert if self._db.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(ProcessedUpdateRow)
            .values(update_id=update_id, received_at=now)
            .on_conflict_do_nothing(index_elements=[ProcessedUpdateRow.update_id])
        )
        async with self._db.session() as session, session.begin():
            result = await session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def forget_before(self, before: datetime) -> int:
        """Delete records older than `before`; Telegram resends for 24 hours at most."""
        statement = delete(ProcessedUpdateRow).where(ProcessedUpdateRow.received_at < before)
        async with self._db.session() as session, session.begin():
            result = await session.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]
