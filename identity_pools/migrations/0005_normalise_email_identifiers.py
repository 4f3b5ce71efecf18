"""Email identifiers in one form (core.addresses.email_normalise): a domain stored
as punycode ("xn--exmple-cua.com") or in another Unicode spelling becomes its
NFC, IDNA-mapped Unicode form. Only rows that can change are read (non-ASCII or
punycode values). A row whose new form another user of the pool already has is
left as it was and listed, for an operator to resolve: merging users is not a
migration's decision."""

from django.core.exceptions import ValidationError
from django.db import migrations
from django.db.models import Q


def normalise(apps, schema_editor):
    from core.addresses import email_normalise

    Identifier = apps.get_model("identity_pools", "Identifier")
    candidates = Identifier.objects.filter(type="email").filter(
        Q(value__contains="xn--") | Q(value__regex=r"[^\x01-\x7f]")
    )
    left = []
    for identifier in candidates.iterator(chunk_size=1000):
        try:
            value = email_normalise(identifier.value)
        except ValidationError:
            left.append(identifier.value)
            continue
        if value == identifier.value:
            continue
        if Identifier.objects.filter(
            pool_id=identifier.pool_id, type="email", value=value
        ).exists():
            left.append(identifier.value)
            continue
        Identifier.objects.filter(pk=identifier.pk).update(value=value)
    if left:
        print(
            "\n  Email identifiers left as they were (conflict or not valid any "
            f"more): {', '.join(left[:20])}" + (" …" if len(left) > 20 else "")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("identity_pools", "0004_drop_covered_fk_indexes_name_search_statistics"),
    ]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
