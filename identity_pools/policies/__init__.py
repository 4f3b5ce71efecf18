"""The pool's policies (Settings): how its users' passwords, one-time codes and
sign-in work.

- ``models``: ``PasswordPolicy``, ``CodePolicy`` (per ``CodePurpose``),
  ``SignInPolicy`` (with ``SignInMethod``, ``SecondFactor``); a pool without a
  row uses the defaults.
- ``passwords``: the password policy of a pool and the check of a new password.
- ``codes``: the rules one-time codes are issued and checked with
  (``CodeRules``, ``DEFAULT_RULES``, ``code_rules_for``).
- ``sign_in``: the pool's sign-in rules or their defaults.
- ``services``: the updaters of the settings screens.

``accounts`` reads these rules to sign users in; nothing here knows how it
does."""
