"""Storage: SQLModel tables, the engine, repositories that return domain objects, migrations."""
