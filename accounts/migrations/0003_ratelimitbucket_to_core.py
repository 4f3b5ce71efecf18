"""RateLimitBucket moves to the core app (shared plumbing): the table is renamed,
its rows stay. core.0001_initial takes the model over in Django's state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_passwordcredential_code"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel("RateLimitBucket")],
            database_operations=[
                migrations.AlterModelTable("RateLimitBucket", "core_ratelimitbucket")
            ],
        )
    ]
