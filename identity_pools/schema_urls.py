"""URL patterns of the user-schema screens (included by identity_pools/urls.py)."""

urlpatterns: list = []
