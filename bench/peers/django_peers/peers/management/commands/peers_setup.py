"""The bench's user and OpenID client, and the ID tokens' RSA key."""

from pathlib import Path

from allauth.account.models import EmailAddress
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    help = (
        "Create the bench user (username bench, email bench@example.com), its "
        "verified address for allauth, and a confidential client for the "
        "authorization code flow; write an RSA key to --key-file if it is missing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--redirect-uri", required=True)
        parser.add_argument("--key-file", required=True)

    def handle(
        self, *, password, client_id, client_secret, redirect_uri, key_file, **_
    ):
        key_path = Path(key_file)
        if not key_path.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            key_path.write_bytes(pem)
        user, _ = get_user_model().objects.update_or_create(
            username="bench",
            defaults={
                "email": "bench@example.com",
                "first_name": "Bench",
                "last_name": "User",
            },
        )
        user.set_password(password)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user,
            email="bench@example.com",
            defaults={"verified": True, "primary": True},
        )
        Application.objects.filter(client_id=client_id).delete()
        Application.objects.create(
            name="Bench web app",
            client_id=client_id,
            # Stored as given: DOT's default hashes client secrets with
            # PASSWORD_HASHERS (Argon2id here: a hash on every token request);
            # Identity Pools keeps a SHA-256 of its secrets.
            client_secret=client_secret,
            hash_client_secret=False,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=redirect_uri,
            skip_authorization=True,
            algorithm=Application.RS256_ALGORITHM,
        )
        self.stdout.write("peers set up")
