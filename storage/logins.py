"""OAuth login states: single use, enforced by one conditional UPDATE."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from domain.model import Platform
from domain.ports import LoginState
from storage.crypto import TokenCipher
from storage.database import Database
from storage.models import OAuthStateRow


class SqlAlchemyLoginStateRepository:
    def __init__(self, database: Database, cipher: TokenCipher | None = None) -> None:
        self._db = database
        self._cipher = cipher

    async def create(self, login: LoginState, now: datetime) -> None:
        verifier = login.code_verifier
        if verifier is not None and self._cipher is not None:
            verifier = self._cipher.encrypt(verifier)
        row = OAuthStateRow(
            state=login.state,
            user_id=login.user_id,
            platform=login.platform.value,
            code_verifier=verifier,
            created_at=now,
            expires_at=login.expires_at,
        )
        async with self._db.session() as session, session.begin():
            session.add(row)

    async def consume(self, state: str, now: datetime) -> LoginState | None:
        statement = (
            update(OAuthStateRow)
            .where(OAuthStateRow.state == state, OAuthStateRow.used_at.is_(None))
            .values(used_at=now)
            .returning(OAuthStateRow)
        )
        async with self._db.session() as session, session.begin():
            row = (await session.execute(statement)).scalar_one_or_none()
        return None if row is None else self._to_login(row)

    async def get(self, state: str) -> LoginState | None:
        async with self._db.session() as session:
            row = await session.get(OAuthStateRow, state)
        return None if row is None else self._to_login(row)

    def _to_login(self, row: OAuthStateRow) -> LoginState:
        verifier = row.code_verifier
        if verifier is not None and self._cipher is not None:
            verifier = self._cipher.decrypt(verifier)
        return LoginState(
            state=row.state,
            user_id=row.user_id,
            platform=Platform(row.platform),
            code_verifier=verifier,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )
