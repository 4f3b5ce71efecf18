"""A workspace's audit retention; and, on PostgreSQL, the index that finds the
group-membership events listing one user (a pool user's History).

The index is on core's table but made here (core's models are not this change's
to edit): a partial GIN index over ``details -> 'users'`` of the two group
membership actions only, so it stays small. It serves
``details__users__contains=[id]`` with ``action__in=GROUP_MEMBER_ACTIONS``
(``workspaces.activity._group_member_q``).
"""

import django.core.validators
from django.db import migrations, models

INDEX = "core_audit_group_users_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON core_auditevent "
        "USING gin ((details -> 'users') jsonb_path_ops) "
        "WHERE action IN ('group.users_assigned', 'group.users_removed')"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("workspaces", "0007_application_claims"),
    ]

    operations = [
        migrations.AddField(
            model_name="workspace",
            name="audit_retention_days",
            field=models.PositiveIntegerField(
                blank=True,
                help_text=(
                    "Activity older than this is deleted by manage.py purge_audit. "
                    "Empty: keep it forever."
                ),
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(3650),
                ],
                verbose_name="keep activity for (days)",
            ),
        ),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
