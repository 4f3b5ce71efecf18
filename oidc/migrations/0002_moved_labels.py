"""The moved models' labels: audit events name their targets by model label
(``target_type``, e.g. "workspaces.application"), so the events of the moved
models are rewritten to the new labels ("oidc.application"), and the content
types follow (the permissions and admin log entries that point at them keep
pointing at the same models).

Not atomic: the events are rewritten a batch at a time (an installation may
hold millions of "tokens issued to an application" events), each batch found
through the (target_type, target_id) index. Backwards, the same the other way.
"""

from django.db import migrations

MOVED = {
    "workspaces": ("idpconnection", "application", "applicationconnection", "signingkey"),
    "accounts": ("authorizationcode", "oauthtoken", "consent"),
}
BATCH = 10_000


def _relabel(apps, schema_editor, *, forwards: bool) -> None:
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    events = AuditEvent.objects.using(db)
    for app_label, models in MOVED.items():
        for model in models:
            old, new = (app_label, "oidc") if forwards else ("oidc", app_label)
            while True:
                ids = list(
                    events.filter(target_type=f"{old}.{model}")
                    .order_by("pk")
                    .values_list("pk", flat=True)[:BATCH]
                )
                if not ids:
                    break
                events.filter(pk__in=ids).update(target_type=f"{new}.{model}")
            types = ContentType.objects.using(db)
            if not types.filter(app_label=new, model=model).exists():
                types.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, forwards=True)


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("oidc", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
