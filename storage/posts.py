"""Posts and post groups, with the state machine's conditional transitions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update

from domain.model import FailureKind, Post, PostGroup, PostStatus, can_transition
from storage.database import Database
from storage.models import PostGroupRow, PostRow

# Columns a transition may set besides status, version and updated_at.
_TRANSITION_FIELDS = frozenset(
    {
        "run_at",
        "due_at",
        "job_id",
        "lease_until",
        "external_id",
        "url",
        "failure_reason",
        "failure_kind",
        "published_at",
        "content",
    }
)


class SqlAlchemyPostRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create_group(
        self,
        group_id: str,
        user_id: int,
        drafts: Sequence[tuple[int, str]],
        run_at: datetime,
        timezone: str,
        now: datetime,
    ) -> list[Post]:
        """Insert a group and one draft post per (account id, content)."""
        rows = [
            PostRow(
                user_id=user_id,
                account_id=account_id,
                group_id=group_id,
                content=content,
                status=PostStatus.DRAFT,
                run_at=run_at,
                due_at=run_at,
                timezone=timezone,
                version=1,
                attempts=0,
                created_at=now,
                updated_at=now,
            )
            for account_id, content in drafts
        ]

        async with self._db.session() as session, session.begin():
            session.add(PostGroupRow(id=group_id, user_id=user_id, created_at=now))
            await session.flush()
            session.add_all(rows)

        return [_to_post(row) for row in rows]

    async def get_group(self, group_id: str) -> PostGroup | None:
        async with self._db.session() as session:
            row = await session.get(PostGroupRow, group_id)
        if row is None:
            return None
        return PostGroup(row.id, row.user_id, row.preview_chat_id, row.preview_message_id)

    async def set_preview_message(self, group_id: str, chat_id: int, message_id: int) -> None:
        async with self._db.session() as session, session.begin():
            await session.execute(
                update(PostGroupRow)
                .where(PostGroupRow.id == group_id)
                .values(preview_chat_id=chat_id, preview_message_id=message_id)
            )

    async def get(self, post_id: int) -> Post | None:
        async with self._db.session() as session:
            row = await session.get(PostRow, post_id)
        return None if row is None else _to_post(row)

    async def list_group(self, group_id: str) -> list[Post]:
        query = select(PostRow).where(PostRow.group_id == group_id).order_by(PostRow.id)
        return await self._fetch(query)

    async def list_upcoming(self, user_id: int, limit: int, offset: int = 0) -> list[Post]:
        query = (
            select(PostRow)
            .where(PostRow.user_id == user_id, PostRow.status == PostStatus.SCHEDULED)
            .order_by(PostRow.run_at, PostRow.id)
            .limit(limit)
            .offset(offset)
        )
        return await self._fetch(query)

    async def count_upcoming(self, user_id: int) -> int:
        query = select(func.count()).where(
            PostRow.user_id == user_id, PostRow.status == PostStatus.SCHEDULED
        )
        async with self._db.session() as session:
            return int((await session.execute(query)).scalar_one())

    async def list_for_account(
        self, account_id: int, statuses: frozenset[PostStatus]
    ) -> list[Post]:
        query = (
            select(PostRow)
            .where(PostRow.account_id == account_id, PostRow.status.in_(statuses))
            .order_by(PostRow.id)
        )
        return await self._fetch(query)

    async def transition(
        self,
        post: Post,
        to: PostStatus,
        now: datetime,
        *,
        bump_version: bool = False,
        **values: Any,
    ) -> Post | None:
        """Move `post` to `to` if it is still in the status and version it was read in.

        One conditional UPDATE: a concurrent or stale caller matches no row and
        gets None, so each move happens at most once. Returns the post as
        stored after the move.
        """
        if not can_transition(post.status, to):
            raise ValueError(f"illegal transition of post {post.id}: {post.status} -> {to}")
        unknown = set(values) - _TRANSITION_FIELDS
        if unknown:
            raise ValueError(f"cannot set {sorted(unknown)} in a transition")

        changes: dict[str, Any] = {**values, "status": to, "updated_at": now}
        if bump_version:
            changes["version"] = PostRow.version + 1
        statement = (
            update(PostRow)
            .where(
                PostRow.id == post.id,
                PostRow.status == post.status,
                PostRow.version == post.version,
            )
            .values(**changes)
            .returning(PostRow)
        )

        async with self._db.session() as session, session.begin():
            row = (await session.execute(statement)).scalar_one_or_none()
        return None if row is None else _to_post(row)

    async def claim(
        self, post_id: int, version: int, now: datetime, lease_until: datetime
    ) -> Post | None:
        """Move a scheduled post of this version to publishing; None when nothing matches."""
        statement = (
            update(PostRow)
            .where(
                PostRow.id == post_id,
                PostRow.status == PostStatus.SCHEDULED,
                PostRow.version == version,
            )
            .values(
                status=PostStatus.PUBLISHING,
                attempts=PostRow.attempts + 1,
                lease_until=lease_until,
                updated_at=now,
            )
            .returning(PostRow)
        )
        async with self._db.session() as session, session.begin():
            row = (await session.execute(statement)).scalar_one_or_none()
        return None if row is None else _to_post(row)

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Post]:
        """Claim up to `limit` scheduled posts whose due time has come, earliest first.

        On PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so
        several processes share the work without waiting on each other or
        claiming one post twice. SQLite runs one writer at a time, so the
        single UPDATE is enough there.
        """
        due = (
            select(PostRow.id)
            .where(PostRow.status == PostStatus.SCHEDULED, PostRow.due_at <= now)
            .order_by(PostRow.due_at)
            .limit(limit)
        )
        if self._db.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        statement = (
            update(PostRow)
            .where(PostRow.id.in_(due.scalar_subquery()), PostRow.status == PostStatus.SCHEDULED)
            .values(
                status=PostStatus.PUBLISHING,
                attempts=PostRow.attempts + 1,
                lease_until=lease_until,
                updated_at=now,
            )
            .returning(PostRow)
            .execution_options(synchronize_session=False)
        )
        async with self._db.session() as session, session.begin():
            rows = (await session.execute(statement)).scalars().all()
        return sorted((_to_post(row) for row in rows), key=lambda post: (post.due_at, post.id))

    async def next_due_at(self) -> datetime | None:
        query = select(func.min(PostRow.due_at)).where(PostRow.status == PostStatus.SCHEDULED)
        async with self._db.session() as session:
            value = (await session.execute(query)).scalar_one_or_none()
        return _as_utc(value)

    async def list_overdue(self, before: datetime, limit: int = 100) -> list[Post]:
        """Scheduled posts that were due before `before`, earliest first."""
        query = (
            select(PostRow)
            .where(PostRow.status == PostStatus.SCHEDULED, PostRow.due_at < before)
            .order_by(PostRow.due_at)
            .limit(limit)
        )
        return await self._fetch(query)

    async def claim_report(self, group_id: str, outcomes: str) -> bool:
        """Record `outcomes` as reported for the group, once; False when already recorded."""
        statement = (
            update(PostGroupRow)
            .where(
                PostGroupRow.id == group_id,
                or_(
                    PostGroupRow.reported_outcomes.is_(None),
                    PostGroupRow.reported_outcomes != outcomes,
                ),
            )
            .values(reported_outcomes=outcomes)
        )
        async with self._db.session() as session, session.begin():
            result = await session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list_expired_leases(self, now: datetime, limit: int = 100) -> list[Post]:
        query = (
            select(PostRow)
            .where(PostRow.status == PostStatus.PUBLISHING, PostRow.lease_until < now)
            .order_by(PostRow.lease_until)
            .limit(limit)
        )
        return await self._fetch(query)

    async def _fetch(self, query: Select[Any]) -> list[Post]:
        async with self._db.session() as session:
            rows = (await session.execute(query)).scalars().all()
        return [_to_post(row) for row in rows]


def _as_utc(value: Any) -> datetime | None:
    # Aggregates such as min() bypass the column type on SQLite.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
    return value.astimezone(UTC)  # type: ignore[no-any-return]


def _to_post(row: PostRow) -> Post:
    return Post(
        id=row.id,
        user_id=row.user_id,
        account_id=row.account_id,
        group_id=row.group_id,
        content=row.content,
        status=PostStatus(row.status),
        run_at=row.run_at,
        timezone=row.timezone,
        version=row.version,
        attempts=row.attempts,
        job_id=row.job_id,
        lease_until=row.lease_until,
        external_id=row.external_id,
        url=row.url,
        failure_reason=row.failure_reason,
        failure_kind=FailureKind(row.failure_kind) if row.failure_kind else None,
        due_at=row.due_at,
        created_at=row.created_at,
        published_at=row.published_at,
    )
