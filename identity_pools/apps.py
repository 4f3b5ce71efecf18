from django.apps import AppConfig


class IdentityPoolsConfig(AppConfig):
    name = "identity_pools"
    verbose_name = "Identity pools"
