"""Pool users' authenticators: password credentials (``passwords``) and one-time
codes (``codes``). Other apps ask these services; only accounts writes the rows."""
