"""What the directory tells the apps above it (``accounts``, ``oidc``): Django
signals they connect to in their ``AppConfig.ready()``.

Each is sent inside the transaction of the change, after its rows are written:
a receiver's writes commit or roll back with it, and a receiver that raises
(a ``ValidationError``) refuses the change, which then writes nothing and
raises that error to the caller. Messages go out with
``transaction.on_commit``.

- ``pool_user_invited(sender=PoolUser, user, identifier, actor)``: ``user``
  (status "new") is to be invited at ``identifier`` (saved): Create User's
  "Send invitation" (the console, or the API with ``"invite": true``) and
  "Resend invitation" (the user page, ``POST …/users/{id}/invitation``).
  ``accounts`` issues the invitation link and sends it
  (``accounts.flows.invitation``), the earlier link stops working; it returns
  when the new link expires (``send()``'s answer, which the API shows), and
  refuses with ``send_rate_limited`` when the address or the workspace has had
  too many messages.
"""

from __future__ import annotations

from django.dispatch import Signal

pool_user_invited = Signal()
