"""Built-in schemas, and the PostgreSQL-only trigram index for name search."""

from django.db import migrations

USER_DATA_ID = "00000000-0000-4000-8000-000000000001"
METADATA_ID = "00000000-0000-4000-8000-000000000002"


def create_builtin_schemas(apps, schema_editor):
    from identity_pools.builtin_schemas import METADATA, USER_DATA

    UserSchema = apps.get_model("identity_pools", "UserSchema")
    UserSchema.objects.update_or_create(
        id=USER_DATA_ID,
        defaults={
            "workspace": None,
            "kind": "user_data",
            "name": "Default user data",
            "description": "Given name, family name and name required; other OpenID Connect profile claims optional.",
            "document": USER_DATA,
        },
    )
    UserSchema.objects.update_or_create(
        id=METADATA_ID,
        defaults={
            "workspace": None,
            "kind": "metadata",
            "name": "Default metadata",
            "description": "External ID and notes, for operators only.",
            "document": METADATA,
        },
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
