"""A pool user's password hash and the earlier ones become the directory's
(``identity_pools.credentials``), with their rows: after accounts 0015 forgot
them, the state takes them over here; the tables keep their names and nothing
is written to them. The content types (and so the admin's permissions and log
entries) follow the models to their new app."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

MOVED = ("passwordcredential", "passwordhistory")


def content_types_to(app_label: str, other: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in MOVED:
            if not ContentType.objects.using(db).filter(
                app_label=app_label, model=model
            ).exists():
                ContentType.objects.using(db).filter(
                    app_label=other, model=model
                ).update(app_label=app_label)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("identity_pools", "0022_imported_hash_limits"),
        ("accounts", "0017_password_credentials_to_identity_pools"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PasswordCredential",
                    fields=[
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.DB_CASCADE,
                                primary_key=True,
                                related_name="password_credential",
                                serialize=False,
                                to="identity_pools.pooluser",
                            ),
                        ),
                        (
                            "password",
                            models.CharField(
                                max_length=255, verbose_name="password hash"
                            ),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("valid", "Valid"),
                                    ("must_change", "Must change at next sign-in"),
                                ],
                                default="valid",
                                max_length=16,
                                verbose_name="state",
                            ),
                        ),
                        (
                            "changed_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now,
                                verbose_name="changed",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "password credential",
                        "verbose_name_plural": "password credentials",
                        "db_table": "accounts_passwordcredential",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("state__in", ["valid", "must_change"])
                                ),
                                name="accounts_passwordcredential_state_valid",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PasswordHistory",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        (
                            "password",
                            models.CharField(
                                max_length=255, verbose_name="password hash"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                auto_now_add=True, verbose_name="replaced"
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.DB_CASCADE,
                                related_name="password_history",
                                to="identity_pools.pooluser",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "earlier password",
                        "verbose_name_plural": "earlier passwords",
                        "db_table": "accounts_passwordhistory",
                        "indexes": [
                            models.Index(
                                fields=["user", "-created_at"],
                                name="accounts_pwhistory_user_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            content_types_to("identity_pools", "accounts"),
            content_types_to("accounts", "identity_pools"),
        ),
    ]
