"""URL patterns of the user-schema screens (included by identity_pools/urls.py)."""

from django.urls import path

from . import views as schemas

SCHEMA = "w/<slug:workspace>/schemas/<uuid:schema>/"

urlpatterns: list = [
    path(
        "w/<slug:workspace>/schemas/",
        schemas.SchemaListView.as_view(),
        name="schema_list",
    ),
    path(
        "w/<slug:workspace>/schemas/new/",
        schemas.SchemaCreateView.as_view(),
        name="schema_create",
    ),
    path(SCHEMA, schemas.SchemaDetailView.as_view(), name="schema_detail"),
    path(SCHEMA + "delete/", schemas.SchemaDeleteView.as_view(), name="schema_delete"),
]
