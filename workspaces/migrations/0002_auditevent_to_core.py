"""AuditEvent moves to the core app, and its actor stops being a foreign key to
Operator: ``actor_type`` (operator, pool user, API token, application, system)
and ``actor_id`` name it, so pool users, API tokens and applications can act too.
``workspace`` becomes a plain ``workspace_id`` (events outlive their workspace).
Existing rows keep their data: events by an operator become actor_type
"operator" with the operator's id, the others "system". The table is then renamed
to core_auditevent; core.0001_initial takes the model over in Django's state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def actors_from_foreign_key(apps, schema_editor):
    AuditEvent = apps.get_model("workspaces", "AuditEvent")
    rows = AuditEvent.objects.filter(actor__isnull=False).values_list("pk", "actor_id")
    batch = []
    for pk, actor_id in rows.iterator(chunk_size=2000):
        batch.append(
            AuditEvent(pk=pk, actor_type="operator", actor_ref=str(actor_id))
        )
        if len(batch) == 2000:
            AuditEvent.objects.bulk_update(batch, ["actor_type", "actor_ref"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["actor_type", "actor_ref"])


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="actor_type",
            field=models.CharField(
                choices=[
                    ("operator", "Operator"),
                    ("pool_user", "Pool user"),
                    ("api_token", "API token"),
                    ("application", "Application"),
                    ("system", "System"),
                ],
                default="system",
                max_length=16,
                verbose_name="actor type",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="actor_ref",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(actors_from_foreign_key, migrations.RunPython.noop),
        migrations.RemoveField(model_name="auditevent", name="actor"),
        migrations.RenameField(
            model_name="auditevent", old_name="actor_ref", new_name="actor_id"
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="actor id"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    actor_type__in=[
                        "operator",
                        "pool_user",
                        "api_token",
                        "application",
                        "system",
                    ]
                ),
                name="core_auditevent_actor_type_valid",
            ),
        ),
        # The workspace stops being a foreign key: drop the constraint and the
        # single-column index (the (workspace, time, id) index covers it) ...
        migrations.AlterField(
            model_name="auditevent",
            name="workspace",
            field=models.ForeignKey(
                blank=True,
                null=True,
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="workspaces.workspace",
            ),
        ),
        # ... and becomes the plain UUID column it already is in the database.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="auditevent", name="ws_audit_ws_time_idx"
                ),
                migrations.RemoveField(model_name="auditevent", name="workspace"),
                migrations.AddField(
                    model_name="auditevent",
                    name="workspace_id",
                    field=models.UUIDField(
                        blank=True,
                        null=True,
                        help_text="The workspace the event belongs to; empty for "
                        "installation-wide events.",
                        verbose_name="workspace id",
                    ),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(
                        fields=["workspace_id", "-created_at", "-id"],
                        name="ws_audit_ws_time_idx",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel("AuditEvent")],
            database_operations=[
                migrations.AlterModelTable("AuditEvent", "core_auditevent")
            ],
        ),
    ]
