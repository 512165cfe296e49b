"""The database: the asyncpg pool, the SQL loader, migrations and the dev server.

Plumbing: nothing here knows about tasks or chat; the features bring their
own SQL files and call them through `Queries`.
"""
