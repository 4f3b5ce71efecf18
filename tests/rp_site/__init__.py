"""A second, minimal Django site that signs pool users in with
mozilla-django-oidc: the relying party of
tests/browser/test_oidc_mozilla_django_oidc.py, run in its own process."""
