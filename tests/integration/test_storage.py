"""Repositories on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from domain.model import AccountStatus, DialogueState, Platform, PostStatus
from storage.crypto import TokenCipher, TokenDecryptionError
from storage.database import Database
from storage.models import AccountRow
from storage.store import SqlAlchemyStore

NOW = datetime(2026, 3, 27, 15, 40, tzinfo=UTC)


async def _store_with_account(database: Database) -> tuple[SqlAlchemyStore, int]:
    store = SqlAlchemyStore(database)
    await store.users.upsert(1, 1, "en", NOW)
    account = await store.accounts.connect(1, Platform.TELEGRAM, "-1001", "Acme", NOW)
    return store, account.id


async def _drafts(store: SqlAlchemyStore, account_id: int, run_at: datetime, n: int = 1) -> list:
    posts = []
    for i in range(n):
        group = f"{i:032x}"
        posts += await store.posts.create_group(
            group, 1, [(account_id, f"post {i}")], run_at, "Europe/Berlin", NOW
        )
    return posts


async def test_instants_round_trip_in_utc(database: Database) -> None:
    store, account_id = await _store_with_account(database)
    berlin = timezone(timedelta(hours=2))
    run_at = datetime(2026, 3, 30, 10, 0, tzinfo=berlin)

    [post] = await _drafts(store, account_id, run_at)
    loaded = await store.posts.get(post.id)

    assert loaded is not None
    assert loaded.run_at == run_at
    assert loaded.run_at.utcoffset() == timedelta(0)


async def test_naive_instant_is_rejected(database: Database) -> None:
    store, account_id = await _store_with_account(database)

    with pytest.raises(Exception, match="naive datetime"):
        await _drafts(store, account_id, datetime(2026, 3, 30, 10, 0))


async def test_transition_with_stale_version_changes_nothing(database: Database) -> None:
    store, account_id = await _store_with_account(database)
    [draft] = await _drafts(store, account_id, NOW + timedelta(hours=1))
    scheduled = await store.posts.transition(draft, PostStatus.SCHEDULED, NOW, bump_version=True)

    stale = await store.posts.transition(draft, PostStatus.CANCELLED, NOW)

    assert scheduled is not None and scheduled.version == draft.version + 1
    assert stale is None
    current = await store.posts.get(draft.id)
    assert current is not None and current.status is PostStatus.SCHEDULED


async def test_illegal_transition_raises(database: Database) -> None:
    store, account_id = await _store_with_account(database)
    [draft] = await _drafts(store, account_id, NOW)

    with pytest.raises(ValueError, match="illegal transition"):
        await store.posts.transition(draft, PostStatus.POSTED, NOW)


async def test_claim_happens_once_under_concurrency(database: Database) -> None:
    store, account_id = await _store_with_account(database)
    [draft] = await _drafts(store, account_id, NOW)
    post = await store.posts.transition(draft, PostStatus.SCHEDULED, NOW)
    assert post is not None

    results = await asyncio.gather(
        *(
            store.posts.claim(post.id, post.version, NOW, NOW + timedelta(minutes=5))
            for _ in range(8)
        )
    )

    claimed = [r for r in results if r is not None]
    assert len(claimed) == 1
    assert claimed[0].status is PostStatus.PUBLISHING
    assert claimed[0].attempts == 1


async def test_claim_of_old_version_finds_nothing(database: Database) -> None:
    store, account_id = await _store_with_account(database)
    [draft] = await _drafts(store, account_id, NOW)
    post = await store.posts.transition(draft, PostStatus.SCHEDULED, NOW)
    assert post is not None
    moved = await store.posts.transition(post, PostStatus.SCHEDULED, NOW, bump_version=True)
    assert moved is not None

    assert await store.posts.claim(post.id, post.version, NOW, NOW) is None
    assert await store.posts.claim(post.id, moved.version, NOW, NOW) is not None


async def test_claim_due_takes_due_posts_earliest_first(database: Database) -> None:
    store, account_id = await _store_with_account(database)
    drafts = await _drafts(store, account_id, NOW, n=3)
    offsets = [timedelta(minutes=-1), timedelta(minutes=-5), timedelta(minutes=10)]
    for draft, offset in zip(drafts, offsets, strict=True):
        await store.posts.transition(draft, PostStatus.SCHEDULED, NOW, due_at=NOW + offset)

    claimed = await store.posts.claim_due(NOW, NOW + timedelta(minutes=5), limit=10)

    assert [p.id for p in claimed] == [drafts[1].id, drafts[0].id]
    assert await store.posts.next_due_at() == NOW + timedelta(minutes=10)


async def test_concurrent_claim_due_never_shares_a_post(database: Database) -> None:
    store, account_id = await _store_with_account(database)
    drafts = await _drafts(store, account_id, NOW, n=40)
    for draft in drafts:
        await store.posts.transition(draft, PostStatus.SCHEDULED, NOW)
    other = SqlAlchemyStore(Database(database.url))

    batches = await asyncio.gather(
        *(
            (store if i % 2 else other).posts.claim_due(NOW, NOW + timedelta(minutes=5), limit=7)
            for i in range(8)
        )
    )
    await other.database.dispose()

    ids = [post.id for batch in batches for post in batch]
    assert len(ids) == len(set(ids)) == 40


async def test_expired_leases_are_listed(database: Database) -> None:
    store, account_id = await _store_with_account(database)
    [draft] = await _drafts(store, account_id, NOW)
    post = await store.posts.transition(draft, PostStatus.SCHEDULED, NOW)
    assert post is not None
    await store.posts.claim(post.id, post.version, NOW, NOW + timedelta(minutes=5))

    assert await store.posts.list_expired_leases(NOW + timedelta(minutes=4)) == []
    expired = await store.posts.list_expired_leases(NOW + timedelta(minutes=6))
    assert [p.id for p in expired] == [post.id]


async def test_upcoming_lists_only_the_users_scheduled_posts(database: Database) -> None:
    store, account_id = await _store_with_account(database)
    await store.users.upsert(2, 2, "en", NOW)
    other_account = await store.accounts.connect(2, Platform.TELEGRAM, "-1002", "Other", NOW)
    later, sooner = await _drafts(store, account_id, NOW + timedelta(days=2), n=2)
    await store.posts.transition(later, PostStatus.SCHEDULED, NOW)
    await store.posts.transition(sooner, PostStatus.SCHEDULED, NOW, run_at=NOW + timedelta(days=1))
    [foreign] = await store.posts.create_group(
        "f" * 32, 2, [(other_account.id, "x")], NOW + timedelta(hours=1), "UTC", NOW
    )
    await store.posts.transition(foreign, PostStatus.SCHEDULED, NOW)

    upcoming = await store.posts.list_upcoming(1, limit=10)

    assert [p.id for p in upcoming] == [sooner.id, later.id]
    assert await store.posts.count_upcoming(1) == 2


async def test_user_upsert_keeps_settings(database: Database) -> None:
    store = SqlAlchemyStore(database)
    await store.users.upsert(7, 70, "de", NOW)
    await store.users.set_timezone(7, "Europe/Berlin")

    user = await store.users.upsert(7, 71, "en", NOW)

    assert user.chat_id == 71
    assert user.language_code == "en"
    assert user.timezone == "Europe/Berlin"


async def test_dialogue_state_and_draft(database: Database) -> None:
    store = SqlAlchemyStore(database)
    await store.users.upsert(7, 70, "en", NOW)

    await store.dialogues.save_draft(7, "We are hiring", NOW)
    await store.dialogues.expect(7, DialogueState.PREVIEW_TIME, NOW, subject="abc")
    dialogue = await store.dialogues.get(7)
    await store.dialogues.clear(7, NOW)
    cleared = await store.dialogues.get(7)

    assert dialogue.state is DialogueState.PREVIEW_TIME
    assert dialogue.subject == "abc"
    assert dialogue.draft_text == "We are hiring"
    assert cleared.state is None
    assert cleared.draft_text == "We are hiring"


async def test_update_log_takes_an_update_once(database: Database) -> None:
    store = SqlAlchemyStore(database)

    first = await store.updates.first_time(42, NOW)
    again = await store.updates.first_time(42, NOW)
    forgotten = await store.updates.forget_before(NOW + timedelta(seconds=1))

    assert first is True
    assert again is False
    assert forgotten == 1


async def test_tokens_are_encrypted_at_rest(database: Database) -> None:
    cipher = TokenCipher(Fernet.generate_key().decode())
    store = SqlAlchemyStore(database, cipher)
    await store.users.upsert(1, 1, "en", NOW)

    account = await store.accounts.connect(
        1, Platform.X, "42", "jane", NOW, access_token="secret-access", refresh_token="secret-r"
    )
    async with database.session() as session:
        row = (await session.execute(select(AccountRow))).scalar_one()

    assert account.access_token == "secret-access"
    assert row.access_token is not None and "secret-access" not in row.access_token
    assert row.refresh_token is not None and "secret-r" not in row.refresh_token


async def test_previous_key_still_decrypts_after_rotation(database: Database) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    store = SqlAlchemyStore(database, TokenCipher(old_key))
    await store.users.upsert(1, 1, "en", NOW)
    account = await store.accounts.connect(1, Platform.X, "42", "jane", NOW, access_token="tok")

    rotated = SqlAlchemyStore(database, TokenCipher(new_key, old_key))
    without_old = SqlAlchemyStore(database, TokenCipher(new_key))

    loaded = await rotated.accounts.get(account.id)
    assert loaded is not None and loaded.access_token == "tok"
    with pytest.raises(TokenDecryptionError, match="SECRET_KEY_PREVIOUS"):
        await without_old.accounts.get(account.id)


async def test_reconnecting_renews_the_same_account(database: Database) -> None:
    store, account_id = await _store_with_account(database)
    await store.accounts.set_status(account_id, AccountStatus.DISCONNECTED, NOW)

    again = await store.accounts.connect(1, Platform.TELEGRAM, "-1001", "Acme News", NOW)

    assert again.id == account_id
    assert again.status is AccountStatus.ACTIVE
    assert again.display_name == "Acme News"
    assert [a.id for a in await store.accounts.list_connected(1)] == [account_id]
