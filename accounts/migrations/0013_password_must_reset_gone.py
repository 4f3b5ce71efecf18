"""The password state "must_reset" (sign-in refused until a reset) goes: nothing
but the Django admin could set it. A password in that state becomes an unusable
hash (state "valid"), which keeps its meaning: the password signs nobody in, and
"Forgot password?" sets a new one."""

from django.db import migrations, models


def must_reset_to_unusable(apps, schema_editor):
    from django.contrib.auth.hashers import make_password

    PasswordCredential = apps.get_model("accounts", "PasswordCredential")
    rows = PasswordCredential.objects.filter(state="must_reset")
    for pk in rows.values_list("pk", flat=True).iterator(chunk_size=1000):
        PasswordCredential.objects.filter(pk=pk).update(
            password=make_password(None), state="valid"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_webauthnchallenge_browser"),
        ("identity_pools", "0020_sign_in_self_service_delete"),
    ]

    operations = [
        migrations.RunPython(must_reset_to_unusable, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="passwordcredential",
            name="accounts_passwordcredential_state_valid",
        ),
        migrations.AlterField(
            model_name="passwordcredential",
            name="state",
            field=models.CharField(
                choices=[
                    ("valid", "Valid"),
                    ("must_change", "Must change at next sign-in"),
                ],
                default="valid",
                max_length=16,
                verbose_name="state",
            ),
        ),
        migrations.AddConstraint(
            model_name="passwordcredential",
            constraint=models.CheckConstraint(
                condition=models.Q(("state__in", ["valid", "must_change"])),
                name="accounts_passwordcredential_state_valid",
            ),
        ),
    ]
