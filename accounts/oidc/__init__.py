"""The OpenID provider of each workspace (issuer ``PUBLIC_URL/w/<workspace>``).
Today: its JSON Web Key Set. Discovery, authorization, token, userinfo,
revocation, introspection and logout arrive with the rest of issue 11."""
