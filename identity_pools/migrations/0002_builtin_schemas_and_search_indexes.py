"""Built-in schemas, and the PostgreSQL-only trigram index for name search."""

from django.db import migrations

def create_builtin_schemas(apps, schema_editor):
    from identity_pools.user_schemas.builtin import ensure_builtin_schemas

    ensure_builtin_schemas(
        using=schema_editor.connection.alias,
        model=apps.get_model("identity_pools", "UserSchema"),
    )


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS ip_pooluser_name_trgm_idx ON identity_pools_pooluser "
        "USING gin (lower(display_name) gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ip_pooluser_name_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("identity_pools", "0001_initial")]

    operations = [
        migrations.RunPython(create_builtin_schemas, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
