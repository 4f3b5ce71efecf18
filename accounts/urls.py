"""``accounts``' console URLs (namespace ``accounts``, under /console/): the
operators' sign-in and account pages, and the user page's sign-in actions. The
hosted pages and the OpenID provider have their own (under /w/)."""

from .console.urls import urlpatterns as console_urlpatterns
from .operators.urls import urlpatterns as operator_urlpatterns

app_name = "accounts"

urlpatterns = [*operator_urlpatterns, *console_urlpatterns]
