"""End users' multi-step flows as use-case functions (in the manner of
django-allauth's ``internal/flows``): each step a function that takes resolved
objects, checks, and calls the services that own the rows."""
