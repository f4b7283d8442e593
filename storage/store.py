"""One object holding every repository, built once at start-up."""

from __future__ import annotations

from storage.accounts import SqlAlchemyAccountRepository
from storage.crypto import TokenCipher
from storage.database import Database
from storage.dialogues import SqlAlchemyDialogueRepository, SqlAlchemyUpdateLog
from storage.logins import SqlAlchemyLoginStateRepository
from storage.posts import SqlAlchemyPostRepository
from storage.users import SqlAlchemyUserRepository


class SqlAlchemyStore:
    def __init__(self, database: Database, cipher: TokenCipher | None = None) -> None:
        self.database = database
        self.users = SqlAlchemyUserRepository(database)
        self.accounts = SqlAlchemyAccountRepository(database, cipher)
        self.posts = SqlAlchemyPostRepository(database)
        self.dialogues = SqlAlchemyDialogueRepository(database)
        self.updates = SqlAlchemyUpdateLog(database)
        self.logins = SqlAlchemyLoginStateRepository(database, cipher)
