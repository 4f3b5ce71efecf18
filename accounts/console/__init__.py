"""The console's actions on a pool user's sign-in and what the user page shows
of it: services (``services``), forms, views and their URLs (``urls``, under the
user's console path, in the ``accounts`` namespace), and the page's sections
(``sections``, registered in ``AccountsConfig.ready()``)."""
