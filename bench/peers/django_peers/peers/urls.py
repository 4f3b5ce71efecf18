from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import include, path


def done(request):
    return HttpResponse("Signed in." if request.user.is_authenticated else "Not.")


urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),  # Django's own
    path("accounts/", include("allauth.urls")),  # allauth: /accounts/login/
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("done/", done),
]
