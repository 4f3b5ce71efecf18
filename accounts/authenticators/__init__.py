"""Pool users' authenticators, one package per mechanism (``passwords``,
``codes``, ``totp``, ``passkeys``, ``recovery``, ``lockout``: its ``services``,
and its own pages' ``views`` and ``urls`` where it has any), beside what they
share (``events``, ``presence``, ``throttle``). Other apps ask these services;
only accounts writes the rows."""
