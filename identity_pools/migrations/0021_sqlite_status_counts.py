"""The pool's users by status, kept by SQLite too (the quick start's database),
as migration 0018 has PostgreSQL keep them: one counter row per (pool, status),
changed by row triggers in the transaction of every insert, delete and status
change, whoever makes it (the services, a bulk insert, a shell). Until now
SQLite counted the new and inactive users and took the active ones as the rest
of the pool's user count, which users made outside the services never entered.
"""

from django.db import migrations

FORWARD = [
    "DELETE FROM identity_pools_poolstatuscount",
    "INSERT INTO identity_pools_poolstatuscount (pool_id, status, count) "
    "SELECT pool_id, status, count(*) FROM identity_pools_pooluser "
    "GROUP BY pool_id, status",
    """
    CREATE TRIGGER identity_pools_pooluser_statuscount_inserted
    AFTER INSERT ON identity_pools_pooluser
    BEGIN
        INSERT INTO identity_pools_poolstatuscount (pool_id, status, count)
        VALUES (NEW.pool_id, NEW.status, 1)
        ON CONFLICT (pool_id, status) DO UPDATE SET count = count + 1;
    END
    """,
    # Update only: when a pool is deleted, its counters may be gone already
    # (the cascade), and must not come back.
    """
    CREATE TRIGGER identity_pools_pooluser_statuscount_deleted
    AFTER DELETE ON identity_pools_pooluser
    BEGIN
        UPDATE identity_pools_poolstatuscount SET count = count - 1
        WHERE pool_id = OLD.pool_id AND status = OLD.status;
    END
    """,
    """
    CREATE TRIGGER identity_pools_pooluser_statuscount_changed
    AFTER UPDATE OF status ON identity_pools_pooluser
    WHEN OLD.status IS NOT NEW.status
    BEGIN
        UPDATE identity_pools_poolstatuscount SET count = count - 1
        WHERE pool_id = OLD.pool_id AND status = OLD.status;
        INSERT INTO identity_pools_poolstatuscount (pool_id, status, count)
        VALUES (NEW.pool_id, NEW.status, 1)
        ON CONFLICT (pool_id, status) DO UPDATE SET count = count + 1;
    END
    """,
]
BACKWARD = [
    "DROP TRIGGER identity_pools_pooluser_statuscount_changed",
    "DROP TRIGGER identity_pools_pooluser_statuscount_deleted",
    "DROP TRIGGER identity_pools_pooluser_statuscount_inserted",
    "DELETE FROM identity_pools_poolstatuscount",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("identity_pools", "0020_sign_in_self_service_delete"),
    ]

    operations = [
        migrations.RunPython(run(FORWARD), run(BACKWARD)),
    ]
