from django.urls import path

from . import views

app_name = "hosted"

WORKSPACE = "<slug:workspace>/"
POOL = WORKSPACE + "pools/<uuid:pool>/"

urlpatterns = [
    path(
        WORKSPACE + "invitation/<str:token>/",
        views.InvitationRegisterView.as_view(),
        name="invitation_register",
    ),
    path(POOL + "signup/", views.SignUpView.as_view(), name="signup"),
    path(
        POOL + "signup/verify/",
        views.SignUpVerifyView.as_view(),
        name="signup_verify",
    ),
    path(POOL + "welcome/", views.RegisteredView.as_view(), name="registered"),
]
