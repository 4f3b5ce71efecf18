"""PasswordCredential and PasswordHistory become the directory's: ``accounts``
forgets them in the state only (nothing is written to the database), then
identity_pools 0023 takes them over with their tables and rows."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0016_oidc_models_to_oidc"),
        # The last migration that reads them here (its data step).
        ("identity_pools", "0022_imported_hash_limits"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="PasswordHistory"),
                migrations.DeleteModel(name="PasswordCredential"),
            ],
            database_operations=[],
        ),
    ]
