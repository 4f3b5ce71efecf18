"""The hosted pages' URL prefixes: a workspace's pages under ``w/`` and a
pool's under its workspace. Their own module so that every ``urls.py`` mounted
under ``w/`` (the hosted pages', each authenticator's, the OpenID provider's)
spells them once without importing ``accounts.hosted.urls``."""

WORKSPACE = "<slug:workspace>/"
POOL = WORKSPACE + "pools/<uuid:pool>/"
