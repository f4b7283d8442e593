"""Connected accounts; tokens are encrypted on the way in and decrypted on the way out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from domain.model import Account, AccountStatus, Platform
from domain.ports import Refresher
from storage.crypto import TokenCipher
from storage.database import Database
from storage.models import AccountRow


class SqlAlchemyAccountRepository:
    def __init__(self, database: Database, cipher: TokenCipher | None = None) -> None:
        self._db = database
        self._cipher = cipher

    async def connect(
        self,
        user_id: int,
        platform: Platform,
        external_id: str,
        display_name: str,
        now: datetime,
        *,
        handle: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        token_expires_at: datetime | None = None,
    ) -> Account:
        """Store a connection, or renew the user's earlier one to the same destination."""
        values = {
            "display_name": display_name,
            "handle": handle,
            "status": AccountStatus.ACTIVE.value,
            "access_token": self._encrypt(access_token),
            "refresh_token": self._encrypt(refresh_token),
            "token_expires_at": token_expires_at,
            "expiry_warned_at": None,
            "updated_at": now,
        }
        query = select(AccountRow).where(
            AccountRow.user_id == user_id,
            AccountRow.platform == platform.value,
            AccountRow.external_id == external_id,
        )

        async with self._db.session() as session, session.begin():
            row = (await session.execute(query)).scalar_one_or_none()
            if row is None:
                row = AccountRow(
                    user_id=user_id,
                    platform=platform.value,
                    external_id=external_id,
                    created_at=now,
                    **values,
                )
                session.add(row)
            else:
                for name, value in values.items():
                    setattr(row, name, value)
            await session.flush()
            return self._to_account(row)

    async def get(self, account_id: int) -> Account | None:
        async with self._db.session() as session:
            row = await session.get(AccountRow, account_id)
        return None if row is None else self._to_account(row)

    async def list_connected(self, user_id: int, platform: Platform | None = None) -> list[Account]:
        """Return the user's accounts that are not disconnected, oldest first."""
        query = select(AccountRow).where(
            AccountRow.user_id == user_id,
            AccountRow.status != AccountStatus.DISCONNECTED.value,
        )
        if platform is not None:
            query = query.where(AccountRow.platform == platform.value)
        async with self._db.session() as session:
            rows = (await session.execute(query.order_by(AccountRow.id))).scalars().all()
        return [self._to_account(row) for row in rows]

    async def set_status(self, account_id: int, status: AccountStatus, now: datetime) -> None:
        values: dict[str, object] = {"status": status.value, "updated_at": now}
        if status is AccountStatus.DISCONNECTED:
            values.update(access_token=None, refresh_token=None, token_expires_at=None)
        async with self._db.session() as session, session.begin():
            await session.execute(
                update(AccountRow).where(AccountRow.id == account_id).values(**values)
            )

    async def refresh_locked(self, account_id: int, refresher: Refresher, now: datetime) -> Account:
        """Run `refresher` with the account row locked; store the tokens it returns.

        PostgreSQL locks the row with SELECT ... FOR UPDATE. SQLite has no row
        locks, so a no-op UPDATE first takes the database's write lock, which
        other writers then wait for.
        """
        async with self._db.session() as session, session.begin():
            if self._db.dialect == "sqlite":
                await session.execute(
                    update(AccountRow)
                    .where(AccountRow.id == account_id)
                    .values(updated_at=AccountRow.updated_at)
                )
            query = select(AccountRow).where(AccountRow.id == account_id).with_for_update()
            row = (await session.execute(query)).scalar_one()
            tokens = await refresher(self._to_account(row))
            if tokens is not None:
                row.access_token = self._encrypt(tokens.access_token)
                if tokens.refresh_token is not None:
                    row.refresh_token = self._encrypt(tokens.refresh_token)
                row.token_expires_at = tokens.expires_at
                row.expiry_warned_at = None
                row.updated_at = now
            await session.flush()
            return self._to_account(row)

    async def list_expiring_unwarned(self, before: datetime) -> list[Account]:
        query = select(AccountRow).where(
            AccountRow.status == AccountStatus.ACTIVE.value,
            AccountRow.refresh_token.is_(None),
            AccountRow.token_expires_at.is_not(None),
            AccountRow.token_expires_at < before,
            AccountRow.expiry_warned_at.is_(None),
        )
        async with self._db.session() as session:
            rows = (await session.execute(query.order_by(AccountRow.id))).scalars().all()
        return [self._to_account(row) for row in rows]

    async def mark_expiry_warned(self, account_id: int, now: datetime) -> bool:
        statement = (
            update(AccountRow)
            .where(AccountRow.id == account_id, AccountRow.expiry_warned_at.is_(None))
            .values(expiry_warned_at=now)
        )
        async with self._db.session() as session, session.begin():
            result = await session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _encrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        if self._cipher is None:
            raise RuntimeError("storing a token needs SECRET_KEY to be set")
        return self._cipher.encrypt(token)

    def _decrypt(self, ciphertext: str | None) -> str | None:
        if ciphertext is None or self._cipher is None:
            return None
        return self._cipher.decrypt(ciphertext)

    def _to_account(self, row: AccountRow) -> Account:
        return Account(
            id=row.id,
            user_id=row.user_id,
            platform=Platform(row.platform),
            external_id=row.external_id,
            display_name=row.display_name,
            handle=row.handle,
            status=AccountStatus(row.status),
            access_token=self._decrypt(row.access_token),
            refresh_token=self._decrypt(row.refresh_token),
            token_expires_at=row.token_expires_at,
        )
