"""ApiToken comes from the accounts app, whose 0015 renamed its table to
workspaces_apitoken: this takes the model over in Django's state, renames its
index, and rewrites the stored label "accounts.apitoken" to "workspaces.apitoken"
where rows keep it (audit events' targets, the content type and so the admin's
log and permissions), so the Activity pages keep naming old events' tokens."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD, NEW = ("accounts", "apitoken"), ("workspaces", "apitoken")


def _relabel(apps, old, new):
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditEvent.objects.filter(target_type=".".join(old)).update(
        target_type=".".join(new)
    )
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = ContentType.objects.filter(app_label=new[0], model=new[1]).exists()
    if not taken:
        ContentType.objects.filter(app_label=old[0], model=old[1]).update(
            app_label=new[0]
        )


def labels_forwards(apps, schema_editor):
    _relabel(apps, OLD, NEW)


def labels_backwards(apps, schema_editor):
    _relabel(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0009_application_require_two_factors"),
        ("accounts", "0015_apitoken_to_workspaces"),
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        (
                            "prefix",
                            models.CharField(
                                help_text="The secret's first characters, to "
                                "recognise it by.",
                                max_length=12,
                                verbose_name="starts with",
                            ),
                        ),
                        (
                            "token_hash",
                            models.CharField(
                                editable=False, max_length=64, unique=True
                            ),
                        ),
                        (
                            "scopes",
                            models.JSONField(default=list, verbose_name="scopes"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                auto_now_add=True, verbose_name="created"
                            ),
                        ),
                        (
                            "expires_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="expires"
                            ),
                        ),
                        (
                            "last_used_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="last used"
                            ),
                        ),
                        (
                            "revoked_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="revoked"
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.DB_SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "workspace",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.DB_CASCADE,
                                related_name="api_tokens",
                                to="workspaces.workspace",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API token",
                        "verbose_name_plural": "API tokens",
                        "indexes": [
                            models.Index(
                                fields=["workspace", "-created_at"],
                                name="accounts_apitoken_ws_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RenameIndex(
            model_name="apitoken",
            new_name="workspaces_apitoken_ws_idx",
            old_name="accounts_apitoken_ws_idx",
        ),
        migrations.RunPython(labels_forwards, labels_backwards),
    ]
