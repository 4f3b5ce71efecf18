"""One-time codes: the mechanism (``services``). Its pages are the flows' that
send and take codes (sign-in, sign-up, reset, addresses), shared with other
mechanisms, so they stay in ``accounts.hosted``."""
