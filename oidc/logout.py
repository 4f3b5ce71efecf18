"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): an
application sends the browser here to sign it out of the workspace's single
sign-on, and on to one of its registered post-logout redirect URIs."""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oidc.rpinitiated import EndSessionEndpoint
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from accounts.flows.sign_in_state import session_sign_out, signed_in_sso
from accounts.hosted.access import hosted_workspace
from accounts.sso import sso_session_end

from .authorize import error_page
from .authorize_request import bad_parameters
from .server import Provider
from .signing_keys import workspace_jwks


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self):
        jwks = workspace_jwks(workspace=self.server.workspace)
        if not jwks["keys"]:  # nothing was ever signed here
            raise InvalidRequestError(
                "'id_token_hint' is not an ID token this provider issued."
            )
        return jwks

    def end_session(self, end_session_request):
        session = self.server.browser_session
        claims = end_session_request.id_token_claims or {}
        if claims.get("sid") and claims["sid"] != signed_in_sso(session):
            # The ID token names another sign-on session: end that one only.
            sso_session_end(session_id=claims["sid"], reason="rp_logout")
            return
        session_sign_out(session)


class EndSessionView(View):
    """RP-initiated logout (GET or POST). With a valid ``id_token_hint`` the
    browser is signed out at once and sent to the registered
    ``post_logout_redirect_uri``; without one the user confirms first."""

    http_method_names = ["get", "post"]

    @method_decorator(csrf_exempt)
    def dispatch(self, request, *args, **kwargs):
        self.workspace = hosted_workspace(slug=kwargs["workspace"])
        problem = bad_parameters(request.GET) or bad_parameters(request.POST)
        if problem:
            return error_page(request, self.workspace, problem)
        return super().dispatch(request, *args, **kwargs)

    def handle(self, request, *, confirmed: bool):
        provider = Provider(self.workspace)
        provider.browser_session = request.hosted_session
        provider.register_endpoint(EndSession)
        try:
            validated = provider.validate_endpoint_request("end_session", request)
        except OAuth2Error as exc:
            return error_page(
                request,
                self.workspace,
                "This sign-out link is not valid: "
                f"{exc.description or exc.error} You can close this page.",
            )
        if validated.needs_confirmation and not confirmed:
            return render(
                request,
                "oidc/logout_confirm.html",
                {"workspace": self.workspace, "query": request.GET.urlencode()},
            )
        response = provider.create_endpoint_response("end_session", validated)
        if response is not None:
            return response
        return render(request, "oidc/logged_out.html", {"workspace": self.workspace})

    def get(self, request, *args, **kwargs):
        return self.handle(request, confirmed=False)

    def post(self, request, *args, **kwargs):
        # The confirmation form (ours, with a CSRF token) or an RP's form post
        # with an id_token_hint (then no confirmation is needed anyway).
        from django.middleware.csrf import CsrfViewMiddleware

        confirmed = request.POST.get("confirm") == "yes"
        if confirmed and CsrfViewMiddleware(lambda r: None).process_view(
            request, None, (), {}
        ):
            confirmed = False
        return self.handle(request, confirmed=confirmed)
