"""ApiToken moves to the workspaces app (API tokens are a workspace's): the table
is renamed to workspaces_apitoken, its rows stay. workspaces.0010 takes the model
over in Django's state and rewrites the audit events that name it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0014_authcode_nonce_index_remove"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel("ApiToken")],
            database_operations=[
                migrations.AlterModelTable("ApiToken", "workspaces_apitoken")
            ],
        )
    ]
