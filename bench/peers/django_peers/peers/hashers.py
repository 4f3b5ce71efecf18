"""Identity Pools' Argon2id parameters (config/hashers.py): m=19 MiB, t=2, p=1."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2id"
    time_cost = 2
    memory_cost = 19456
    parallelism = 1
