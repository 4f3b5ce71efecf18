"""View mixins for pool screens: the workspace, then the pool, then user or group."""

from __future__ import annotations

from workspaces.mixins import WorkspaceScopedMixin

from .access import group_access, pool_access, pool_user_access


class PoolScopedMixin(WorkspaceScopedMixin):
    """Sets ``self.pool`` from the ``pool`` URL kwarg, through ``self.workspace``."""

    pool_tab = "users"

    def resolve_objects(self) -> None:
        super().resolve_objects()
        self.pool = pool_access(workspace=self.workspace, pool_id=self.kwargs["pool"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pool"] = self.pool
        context["nav"] = "pools"
        context["pool_tab"] = self.pool_tab
        return context


class PoolUserScopedMixin(PoolScopedMixin):
    """Sets ``self.pool_user`` from the ``pool_user`` URL kwarg (not ``user``, which
    templates know as the signed-in operator), through ``self.pool``."""

    def resolve_objects(self) -> None:
        super().resolve_objects()
        self.pool_user = pool_user_access(
            pool=self.pool, user_id=self.kwargs["pool_user"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pool_user"] = self.pool_user
        return context


class GroupScopedMixin(PoolScopedMixin):
    """Sets ``self.group`` from the ``group`` URL kwarg, through ``self.pool``."""

    pool_tab = "groups"

    def resolve_objects(self) -> None:
        super().resolve_objects()
        self.group = group_access(pool=self.pool, group_id=self.kwargs["group"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["group"] = self.group
        return context
