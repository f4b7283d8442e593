"""Users, channels and scheduled posts written straight into the database.

Scale tests and benchmarks need hundreds or millions of posts; scheduling
each through the bot would measure the chat, not the queue. The rows are the
ones the bot would write, and the channels exist on the Telegram test server
with the bot as an administrator, so publishing them is real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from storage.database import Database
from tests.fakes.telegram_api import FakeTelegram


@dataclass(frozen=True)
class Owner:
    """A user who has started the bot, with one connected channel."""

    user_id: int
    account_id: int
    channel_id: int


async def add_owners(database: Database, telegram: FakeTelegram, count: int) -> list[Owner]:
    """Create `count` users with a channel each, on the test server and in the database."""
    now = datetime.now(UTC)
    owners = []
    async with database.engine.begin() as connection:
        for number in range(count):
            user = telegram.add_user(f"Owner{number}", started=True)
            channel = telegram.add_channel(
                f"Channel {number}",
                f"scale_channel_{user.id}",
                creator=user.id,
                bot_rights={"can_post_messages": True},
            )
            await connection.execute(
                text(
                    "INSERT INTO users (id, chat_id, timezone, language_code, created_at) "
                    "VALUES (:id, :id, 'UTC', 'en', :now)"
                ),
                {"id": user.id, "now": now},
            )
            account_id = (
                await connection.execute(
                    text(
                        "INSERT INTO accounts (user_id, platform, external_id, display_name, "
                        "handle, status, created_at, updated_at) VALUES (:user_id, 'telegram', "
                        ":external_id, :name, :handle, 'active', :now, :now) RETURNING id"
                    ),
                    {
                        "user_id": user.id,
                        "external_id": str(channel.id),
                        "name": channel.title,
                        "handle": channel.username,
                        "now": now,
                    },
                )
            ).scalar_one()
            owners.append(Owner(user.id, int(account_id), channel.id))
    return owners


async def add_scheduled_posts(
    database: Database,
    owners: list[Owner],
    count: int,
    first_due: datetime,
    spread: timedelta = timedelta(0),
    tag: str = "scale",
) -> None:
    """Insert `count` scheduled posts, one group each, due evenly from `first_due` over `spread`.

    Post n (from 1) belongs to owner n mod len(owners) and reads "{tag} post n",
    so every published text is unique and can be traced back to its post.
    """
    if not owners:
        raise ValueError("add_scheduled_posts needs at least one owner")
    step = spread.total_seconds() / max(count - 1, 1)
    parameters = {
        "tag": tag,
        "count": count,
        "users": [owner.user_id for owner in owners],
        "accounts": [owner.account_id for owner in owners],
        "owners": len(owners),
        "first_due": first_due,
        "step": step,
        "now": datetime.now(UTC),
    }
    async with database.engine.begin() as connection:
        await connection.execute(_INSERT_GROUPS, parameters)
        await connection.execute(_INSERT_POSTS, parameters)


_INSERT_GROUPS = text(
    """
    INSERT INTO post_groups (id, user_id, created_at)
    SELECT md5(:tag || '-' || n), (CAST(:users AS bigint[]))[n % :owners + 1], :now
    FROM generate_series(1, :count) AS n
    """
)

_INSERT_POSTS = text(
    """
    INSERT INTO posts (user_id, account_id, group_id, content, status, run_at, due_at,
                       timezone, version, attempts, created_at, updated_at)
    SELECT (CAST(:users AS bigint[]))[n % :owners + 1],
           (CAST(:accounts AS integer[]))[n % :owners + 1],
           md5(:tag || '-' || n),
           :tag || ' post ' || n,
           'scheduled',
           CAST(:first_due AS timestamptz) + (n - 1) * make_interval(secs => :step),
           CAST(:first_due AS timestamptz) + (n - 1) * make_interval(secs => :step),
           'UTC', 1, 0, :now, :now
    FROM generate_series(1, :count) AS n
    """
)


@dataclass(frozen=True)
class Publication:
    """What became of one seeded post."""

    post_id: int
    content: str
    status: str
    run_at: datetime
    published_at: datetime | None

    @property
    def lateness(self) -> timedelta | None:
        return None if self.published_at is None else self.published_at - self.run_at


async def publications(database: Database) -> list[Publication]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT id, content, status, run_at, published_at FROM posts ORDER BY id")
        )
        return [Publication(*row) for row in rows]


async def count_by_status(database: Database) -> dict[str, int]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(text("SELECT status, count(*) FROM posts GROUP BY status"))
        return {status: int(count) for status, count in rows}
