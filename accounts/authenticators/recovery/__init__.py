"""Recovery codes: the mechanism (``services``), the account page's "make new
recovery codes" (``views``) and its URL (``urls``)."""
