"""Pools: list ("Users" in the navigation), Create Pool, settings and delete."""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, RedirectView, TemplateView

from core.catalogue import message
from core.delivery.email import absolute_url
from core.views import FormFromViewMixin, ServiceFormView, apply_errors
from workspaces.mixins import WorkspaceScopedMixin

from .. import charts, selectors, stats
from ..forms import (
    CodeRulesForm,
    PasswordPolicyForm,
    PoolDeleteForm,
    PoolForm,
    PoolSchemasForm,
    PoolSignUpForm,
    SignInMethodsForm,
    SignInPolicyForm,
)
from ..mixins import PoolScopedMixin
from ..models import CodePurpose, SignInMethod
from ..policies import services as policy_services
from ..policies.codes import code_policies_for
from ..policies.passwords import NIST_MINIMUM, password_policy_for
from ..policies.sign_in import sign_in_policy_for
from ..services import pools as services


class PoolListView(WorkspaceScopedMixin, TemplateView):
    template_name = "identity_pools/pool_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pools"] = selectors.pool_list(workspace=self.workspace)
        context["nav"] = "pools"
        return context


class PoolCreateView(WorkspaceScopedMixin, ServiceFormView):
    template_name = "identity_pools/pool_create.html"
    form_class = PoolForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "pools"
        return context

    def perform(self, form):
        return services.pool_create(
            workspace=self.workspace, actor=self.request.user, **form.cleaned_data
        )

    def done(self, pool):
        messages.success(self.request, _("Pool “%s” created.") % pool.name)
        return redirect("identity_pools:pool_user_list", self.workspace.slug, pool.pk)


class PoolDetailView(PoolScopedMixin, RedirectView):
    """A pool opens on its Users tab."""

    pattern_name = "identity_pools:pool_user_list"


class PoolDashboardView(PoolScopedMixin, TemplateView):
    """The pool's Dashboard tab: users by status and the last 30 days' sign-ups,
    sign-ins and failed sign-ins (two queries over counters, any pool size)."""

    template_name = "identity_pools/pool_dashboard.html"
    pool_tab = "dashboard"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = stats.pool_daily_figures(pool=self.pool)
        statuses = stats.pool_status_counts(pool=self.pool)
        context["figures"] = figures
        context["charts"] = charts.pool_dashboard_charts(
            figures=figures, statuses=statuses
        )
        context["time_zone"] = settings.TIME_ZONE
        return context


class PoolSettingsView(PoolScopedMixin, ServiceFormView):
    template_name = "identity_pools/pool_settings.html"
    form_class = PoolForm
    pool_tab = "settings"

    def get_initial(self):
        return {"name": self.pool.name, "description": self.pool.description}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return settings_context(self.pool, context)

    def perform(self, form):
        return services.pool_update(
            pool=self.pool, actor=self.request.user, **form.cleaned_data
        )

    def done(self, pool):
        messages.success(self.request, _("Pool settings saved."))
        return redirect(
            "identity_pools:pool_settings", self.workspace.slug, self.pool.pk
        )


def settings_context(pool, context: dict) -> dict:
    """The Settings tab's three forms (general, sign-up, schemas), keeping the one
    in ``context`` that failed validation, and the addresses of the pool's hosted
    pages (built from PUBLIC_URL, as in messages)."""
    slug = pool.workspace.slug
    context.setdefault(
        "form",
        PoolForm(initial={"name": pool.name, "description": pool.description}),
    )
    context.setdefault(
        "sign_up_form",
        PoolSignUpForm(
            initial={field: getattr(pool, field) for field in services.SIGN_UP_FIELDS}
        ),
    )
    context.setdefault(
        "schemas_form",
        PoolSchemasForm(
            pool=pool,
            initial={
                "user_schema": pool.user_schema_id,
                "metadata_schema": pool.metadata_schema_id,
            },
        ),
    )
    # (label, address, a note when the page is closed)
    context["hosted_addresses"] = [
        (
            _("Sign-up page"),
            absolute_url(reverse("hosted:signup", args=[slug, pool.pk])),
            ""
            if pool.self_registration_enabled
            else _("opens when self-registration is allowed"),
        ),
        (
            _("Sign-in page"),
            absolute_url(reverse("hosted:sign_in", args=[slug, pool.pk])),
            "",
        ),
        (
            _("Account page"),
            absolute_url(reverse("hosted:account", args=[slug, pool.pk])),
            "",
        ),
        (
            _("Forgot password page"),
            absolute_url(reverse("hosted:reset_start", args=[slug, pool.pk])),
            ""
            if sign_in_policy_for(pool).self_service_reset
            else _("closed: self-service reset is off under Sign-in"),
        ),
        (
            _("After registration (without an address above)"),
            absolute_url(reverse("hosted:registered", args=[slug, pool.pk])),
            "",
        ),
    ]
    return context


class PoolSignUpView(PoolScopedMixin, ServiceFormView):
    """Settings → Sign-up: self-registration and where registration ends."""

    template_name = "identity_pools/pool_settings.html"
    form_class = PoolSignUpForm
    pool_tab = "settings"

    def get(self, request, *args, **kwargs):
        return redirect(
            "identity_pools:pool_settings", self.workspace.slug, self.pool.pk
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sign_up_form"] = context.pop("form")
        return settings_context(self.pool, context)

    def perform(self, form):
        return services.pool_update_sign_up(
            pool=self.pool, actor=self.request.user, **form.cleaned_data
        )

    def done(self, pool):
        messages.success(self.request, _("Sign-up settings saved."))
        return redirect(
            "identity_pools:pool_settings", self.workspace.slug, self.pool.pk
        )


class PoolPasswordPolicyView(PoolScopedMixin, ServiceFormView):
    """Settings → Password policy: the rules every password of the pool's users
    follows (Create User, the user page, invitations, sign-up, later changes)."""

    template_name = "identity_pools/pool_password_policy.html"
    form_class = PasswordPolicyForm
    pool_tab = "settings"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A copy: the form writes into its instance while validating.
        kwargs["instance"] = copy.copy(password_policy_for(self.pool))
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = password_policy_for(self.pool)
        context["short_warning"] = (
            message("password_policy_short") if policy.min_length < NIST_MINIMUM else ""
        )
        return context

    def perform(self, form):
        return policy_services.pool_update_password_policy(
            pool=self.pool,
            actor=self.request.user,
            **{f: form.cleaned_data[f] for f in policy_services.POLICY_FIELDS},
        )

    def done(self, policy):
        messages.success(self.request, _("Password policy saved."))
        if policy.min_length < NIST_MINIMUM:
            messages.warning(self.request, message("password_policy_short"))
        return redirect(
            "identity_pools:pool_password_policy", self.workspace.slug, self.pool.pk
        )


class _SignInSettingView(PoolScopedMixin, ServiceFormView):
    """A settings page of the pool's ``SignInPolicy`` row: ``service`` saves
    ``fields``, then back to the page (``url_name``) with ``saved``."""

    pool_tab = "settings"
    service = None
    fields: tuple[str, ...] = ()
    url_name = ""
    saved = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A copy: the form writes into its instance while validating.
        kwargs["instance"] = copy.copy(sign_in_policy_for(self.pool))
        return kwargs

    def perform(self, form):
        return type(self).service(
            pool=self.pool,
            actor=self.request.user,
            **{f: form.cleaned_data[f] for f in self.fields},
        )

    def done(self, policy):
        messages.success(self.request, self.saved)
        return redirect(self.url_name, self.workspace.slug, self.pool.pk)


class PoolSignInPolicyView(_SignInSettingView):
    """Settings → Sign-in: brute-force protection and self-service reset."""

    template_name = "identity_pools/pool_sign_in_policy.html"
    form_class = SignInPolicyForm
    service = policy_services.pool_update_sign_in_policy
    fields = policy_services.SIGN_IN_FIELDS
    url_name = "identity_pools:pool_sign_in_policy"
    saved = gettext_lazy("Sign-in settings saved.")


class PoolSignInMethodsView(_SignInSettingView):
    """Settings → Sign-in methods: first factors, the preferred one, the second
    factor and "remember this device"."""

    template_name = "identity_pools/pool_sign_in_methods.html"
    form_class = SignInMethodsForm
    service = policy_services.pool_update_sign_in_methods
    fields = policy_services.METHOD_FIELDS
    url_name = "identity_pools:pool_sign_in_methods"
    saved = gettext_lazy("Sign-in methods saved.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = sign_in_policy_for(self.pool)
        labels = dict(SignInMethod.choices)
        context["policy_methods"] = [labels[m] for m in policy.first_factors()]
        return context


class PoolCodeRulesView(PoolScopedMixin, ServiceFormView):
    """Settings → Verification codes: digits, lifetime, tries and time between
    sends for each purpose of one-time codes."""

    template_name = "identity_pools/pool_code_rules.html"
    form_class = CodeRulesForm
    pool_tab = "settings"
    service_fields = {
        f"{purpose}__lifetime_seconds": f"{purpose}__lifetime"
        for purpose in CodePurpose.values
    }

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["policies"] = code_policies_for(self.pool)
        return kwargs

    def perform(self, form):
        return policy_services.pool_update_code_policies(
            pool=self.pool, actor=self.request.user, values=form.values()
        )

    def done(self, policies):
        messages.success(self.request, _("Verification code settings saved."))
        return redirect(
            "identity_pools:pool_code_rules", self.workspace.slug, self.pool.pk
        )


class PoolSchemasView(PoolScopedMixin, FormFromViewMixin, FormView):
    """Change the pool's schemas. Reports how many users would not satisfy the new
    ones (with examples) and asks for confirmation first."""

    template_name = "identity_pools/pool_settings.html"
    form_class = PoolSchemasForm
    pool_tab = "settings"

    def get(self, request, *args, **kwargs):
        return redirect(
            "identity_pools:pool_settings", self.workspace.slug, self.pool.pk
        )

    form_kwargs_from_view = ("pool",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["schemas_form"] = context.pop("form")
        return settings_context(self.pool, context)

    def form_valid(self, form):
        try:
            services.pool_change_schemas(
                pool=self.pool,
                actor=self.request.user,
                user_schema=form.cleaned_data["user_schema"],
                metadata_schema=form.cleaned_data["metadata_schema"],
                force=form.cleaned_data.get("confirm", False),
            )
        except ValidationError as exc:
            impacts = getattr(exc, "impacts", None)
            apply_errors(form, exc)
            if impacts:
                form.offer_confirm()
            return self.render_to_response(
                self.get_context_data(form=form, impacts=impacts)
            )
        messages.success(self.request, _("Pool schemas saved."))
        return redirect(
            "identity_pools:pool_settings", self.workspace.slug, self.pool.pk
        )


class PoolDeleteView(PoolScopedMixin, ServiceFormView):
    template_name = "identity_pools/pool_delete.html"
    form_class = PoolDeleteForm
    pool_tab = "settings"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["group_count"] = selectors.pool_group_count(pool=self.pool)
        return context

    def perform(self, form):
        services.pool_delete(
            pool=self.pool,
            actor=self.request.user,
            confirm_name=form.cleaned_data["confirm_name"],
        )

    def done(self, result):
        messages.success(self.request, _("Pool “%s” deleted.") % self.pool.name)
        return redirect("identity_pools:pool_list", self.workspace.slug)
