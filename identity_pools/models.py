"""Identity pools, pool users, identifiers and groups arrive with the guide's screens."""
