"""SQLite enforces foreign keys from now on: what the cascades would have done

Until this revision SQLite ran without `PRAGMA foreign_keys=ON`, so deleting a parent left
its children behind. Before the app turns the pragma on, rows whose parent is gone get what
their foreign key declares: ON DELETE CASCADE deletes them, SET NULL clears the reference
(repeated until nothing is left, since a deleted row may orphan others). PostgreSQL always
enforced them: nothing to do there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:00:00
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    while broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
        for table, rowid, _parent, key in broken:
            fks = connection.exec_driver_sql(
                f"PRAGMA foreign_key_list({_quote(table)})").fetchall()
            # columns: id, seq, table, from, to, on_update, on_delete, match
            fk = next(row for row in fks if row[0] == key)
            if fk[6] == "SET NULL":
                connection.exec_driver_sql(
                    f"UPDATE {_quote(table)} SET {_quote(fk[3])} = NULL WHERE rowid = ?",
                    (rowid,))
            else:  # CASCADE, and any other action: the row cannot stay without its parent
                connection.exec_driver_sql(f"DELETE FROM {_quote(table)} WHERE rowid = ?",
                                           (rowid,))


def downgrade() -> None:
    pass  # deleted orphans are not restored
