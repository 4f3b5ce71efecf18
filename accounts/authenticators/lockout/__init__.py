"""The sign-in block after wrong passwords: the mechanism (``services``). It
has no pages of its own: the sign-in pages show it, and the console's user
page lifts it (``accounts.console``)."""
