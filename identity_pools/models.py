"""Identity pools, user schemas, pool users, identifiers, groups and group memberships.

Every table below a pool references it with database-level cascades (``DB_CASCADE``):
deleting a pool of a million users is one statement, not a million Python objects.
Counters (``user_count``, ``member_count``) are moved by the writes in the same
transaction as the rows they count (``counters``), so lists never run COUNT(*)
over a pool.
"""

from __future__ import annotations

import uuid

from django.core.validators import URLValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.addresses import email_lookalike_warning
from core.catalogue import MESSAGES
from core.models import TimeStampedModel
from workspaces.models import Workspace

# The password hashes and the pool's policies live in their own modules
# (registered through these imports).
from .credentials import PasswordCredential, PasswordHistory
from .fields import OrderedJSONField
from .ids import uuid7
from .policies.models import (
    CodePolicy,
    CodePurpose,
    PasswordPolicy,
    SecondFactor,
    SignInMethod,
    SignInPolicy,
)

__all__ = [
    "CodePolicy",
    "CodePurpose",
    "PasswordCredential",
    "PasswordHistory",
    "PasswordPolicy",
    "SecondFactor",
    "SignInMethod",
    "SignInPolicy",
]

# Fixed ids of the built-in schemas (created by migration 0002).
BUILTIN_USER_DATA_SCHEMA_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
BUILTIN_METADATA_SCHEMA_ID = uuid.UUID("00000000-0000-4000-8000-000000000002")


class UserSchemaQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> UserSchemaQuerySet:
        """The workspace's own schemas and the built-in ones."""
        return self.filter(
            models.Q(workspace=workspace) | models.Q(workspace__isnull=True)
        )


class UserSchema(TimeStampedModel):
    """A JSON Schema (draft 2020-12) for user data or operator-only metadata."""

    class Kind(models.TextChoices):
        USER_DATA = "user_data", _("User data")
        METADATA = "metadata", _("Metadata")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        Workspace,
        on_delete=models.DB_CASCADE,
        null=True,
        blank=True,
        related_name="user_schemas",
        help_text=_("Empty for the built-in schemas, which every workspace can use."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=1000)
    document = OrderedJSONField(
        _("JSON Schema"),
        help_text=_(
            "Stored as written: property order decides the order of form fields."
        ),
    )

    objects = UserSchemaQuerySet.as_manager()

    class Meta:
        verbose_name = _("user schema")
        verbose_name_plural = _("user schemas")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("name"),
                name="identity_pools_userschema_workspace_name_uniq",
                violation_error_message=MESSAGES["schema_name_taken"],
                violation_error_code="schema_name_taken",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["user_data", "metadata"]),
                name="identity_pools_userschema_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_builtin(self) -> bool:
        return self.workspace_id is None


class IdentityPoolQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> IdentityPoolQuerySet:
        return self.filter(workspace=workspace)


class IdentityPool(TimeStampedModel):
    """A store of end users inside one workspace, with the schemas their data obeys."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.DB_CASCADE, related_name="pools"
    )
    name = models.CharField(_("Pool name"), max_length=100)
    description = models.TextField(_("Description"), blank=True, max_length=1000)
    # A schema in use cannot be deleted: the services refuse, and the foreign key
    # (no cascade) is the backstop.
    user_schema = models.ForeignKey(
        UserSchema,
        on_delete=models.DO_NOTHING,
        related_name="+",
        default=BUILTIN_USER_DATA_SCHEMA_ID,
        verbose_name=_("user data schema"),
    )
    metadata_schema = models.ForeignKey(
        UserSchema,
        on_delete=models.DO_NOTHING,
        related_name="+",
        default=BUILTIN_METADATA_SCHEMA_ID,
        verbose_name=_("metadata schema"),
    )
    user_count = models.PositiveIntegerField(_("users"), default=0, editable=False)
    # Sign-up: how users join the pool besides being created by an operator.
    self_registration_enabled = models.BooleanField(
        _("allow self-registration"),
        default=False,
        help_text=_("Visitors can create their own account on the sign-up page."),
    )
    signup_with_email = models.BooleanField(
        _("sign up with an email address"), default=True
    )
    signup_with_phone = models.BooleanField(
        _("sign up with a mobile number"), default=False
    )
    post_registration_url = models.URLField(
        _("after registration, go to"),
        blank=True,
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "Where users go after registering (e.g. your application's sign-in "
            "page). Empty: a page that says they are all set."
        ),
    )

    # A hash shaped like the costliest imported hash the pool accepted (random
    # value, so it matches no password): sign-in checks it when it has no such
    # hash of its own to check, so that no answer tells an imported account
    # from a native or an unknown one (accounts.authenticators.passwords).
    imported_hash_dummy = models.CharField(
        max_length=255, blank=True, default="", db_default="", editable=False
    )

    objects = IdentityPoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("identity pool")
        verbose_name_plural = _("identity pools")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("name"),
                name="identity_pools_identitypool_workspace_name_uniq",
                violation_error_message=MESSAGES["pool_name_taken"],
                violation_error_code="pool_name_taken",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PoolUserQuerySet(models.QuerySet):
    def for_pool(self, pool: IdentityPool) -> PoolUserQuerySet:
        return self.filter(pool=pool)


class PoolUser(TimeStampedModel):
    """An end user of one pool. Signs in with one of its identifiers."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # Indexed by (pool, id) and (pool, status, id) below; no index of its own.
    pool = models.ForeignKey(
        IdentityPool, on_delete=models.DB_CASCADE, related_name="users", db_index=False
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.NEW,
        help_text=_(
            "New: invited, has not registered yet. Active: can sign in. "
            "Inactive: cannot sign in."
        ),
    )
    user_data = models.JSONField(
        _("user data"),
        default=dict,
        blank=True,
        help_text=_("Validated by the pool's schema."),
    )
    metadata = models.JSONField(
        _("metadata"),
        default=dict,
        blank=True,
        help_text=_("Operator-only data, validated by the pool's metadata schema."),
    )
    # Derived from user_data by the services, for listing and name search.
    display_name = models.CharField(_("name"), max_length=300, blank=True)
    # The name as searched (lowercase), kept by the database, so the (pool,
    # name_key, id) index answers "the newest users called X" from the index
    # alone (PostgreSQL cannot read an expression index's values back).
    name_key = models.GeneratedField(
        expression=Lower("display_name"),
        output_field=models.CharField(max_length=300),
        db_persist=True,
    )
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)
    sessions_ended_at = models.DateTimeField(
        _("signed out everywhere at"),
        null=True,
        blank=True,
        help_text=_("Hosted-page sessions that began before this have ended."),
    )

    objects = PoolUserQuerySet.as_manager()

    class Meta:
        verbose_name = _("pool user")
        verbose_name_plural = _("pool users")
        ordering = ["-id"]
        indexes = [
            # With the names, so that a name search that walks the pool reads
            # the index alone (selectors.name_search_page).
            models.Index(
                fields=["pool", "id"],
                include=["name_key"],
                name="ip_pooluser_pool_walk_idx",
            ),
            models.Index(
                fields=["pool", "status", "id"], name="ip_pooluser_status_idx"
            ),
            models.Index(
                fields=["pool", "name_key", "id"], name="ip_pooluser_name_key_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["new", "active", "inactive"]),
                name="identity_pools_pooluser_status_valid",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or str(self.pk)


class IdentifierQuerySet(models.QuerySet):
    def for_pool(self, pool: IdentityPool) -> IdentifierQuerySet:
        return self.filter(pool=pool)


class Identifier(TimeStampedModel):
    """An email address or mobile number (E.164) a user signs in with.

    ``value`` is normalised (email in lowercase, mobile as +<digits>), so the unique
    constraint makes identifiers unique per pool, case-insensitively for email.
    """

    class Type(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Mobile")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # Indexed by the (pool, type, value) constraint and the prefix index.
    pool = models.ForeignKey(
        IdentityPool,
        on_delete=models.DB_CASCADE,
        related_name="identifiers",
        db_index=False,
    )
    # Indexed by ip_identifier_user_idx, which includes the pool and value.
    user = models.ForeignKey(
        PoolUser,
        on_delete=models.DB_CASCADE,
        related_name="identifiers",
        db_index=False,
    )
    type = models.CharField(_("type"), max_length=8, choices=Type.choices)
    value = models.CharField(_("Email/Mobile"), max_length=254)
    is_verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    objects = IdentifierQuerySet.as_manager()

    class Meta:
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "type", "value"],
                name="identity_pools_identifier_pool_type_value_uniq",
                violation_error_message=MESSAGES["identifier_taken"],
                violation_error_code="identifier_taken",
            ),
            models.CheckConstraint(
                condition=models.Q(type__in=["email", "phone"]),
                name="identity_pools_identifier_type_valid",
            ),
        ]
        indexes = [
            # Prefix search ("ann" finds ann@example.com) on PostgreSQL.
            models.Index(
                fields=["pool", "value"],
                name="ip_identifier_prefix_idx",
                opclasses=["uuid_ops", "varchar_pattern_ops"],
                # The users of a prefix's identifiers from the index alone
                # (search.identifier_search_page).
                include=["user"],
            ),
            # A user's identifiers (and the foreign key's cascade); with the
            # pool and value, a common prefix's walk checks each user from the
            # index alone.
            models.Index(
                fields=["user"],
                include=["pool", "value"],
                name="ip_identifier_user_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.value

    @property
    def lookalike_warning(self) -> str:
        """Why this email address may imitate another one, for operators; ""."""
        if self.type != self.Type.EMAIL:
            return ""
        return email_lookalike_warning(self.value)


class GroupQuerySet(models.QuerySet):
    def for_pool(self, pool: IdentityPool) -> GroupQuerySet:
        return self.filter(pool=pool)


class Group(TimeStampedModel):
    """A named set of users of one pool."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    pool = models.ForeignKey(
        IdentityPool, on_delete=models.DB_CASCADE, related_name="groups"
    )
    name = models.CharField(_("Name"), max_length=100)
    description = models.TextField(_("Description"), blank=True, max_length=1000)
    member_count = models.PositiveIntegerField(_("members"), default=0, editable=False)

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "pool",
                Lower("name"),
                name="identity_pools_group_pool_name_uniq",
                violation_error_message=MESSAGES["group_name_taken"],
                violation_error_code="group_name_taken",
            )
        ]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    """A user in a group. The user and the group belong to the same pool (checked by
    ``group_assign_users``)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # Indexed by the (group, user) constraint.
    group = models.ForeignKey(
        Group, on_delete=models.DB_CASCADE, related_name="memberships", db_index=False
    )
    user = models.ForeignKey(
        PoolUser, on_delete=models.DB_CASCADE, related_name="group_memberships"
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                name="identity_pools_groupmembership_group_user_uniq",
                violation_error_message=_("This user is already in the group."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


class PoolDailyStat(models.Model):
    """How many times something happened in a pool on one day (``TIME_ZONE``):
    sign-ups, sign-ins, failed sign-ins. Incremented where the event happens
    (``identity_pools.stats.pool_stat_add``, an upsert) and filled from the audit
    trail by ``manage.py backfill_pool_stats``; the pool dashboard reads only
    these rows, so it does not scan audit events."""

    class Kind(models.TextChoices):
        SIGN_UP = "sign_up", _("Sign-ups")
        SIGN_IN = "sign_in", _("Sign-ins")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-ins")

    id = models.BigAutoField(primary_key=True)
    # Indexed by the (pool, day, kind) constraint.
    pool = models.ForeignKey(
        IdentityPool,
        on_delete=models.DB_CASCADE,
        related_name="daily_stats",
        db_index=False,
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("pool daily figure")
        verbose_name_plural = _("pool daily figures")
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "day", "kind"],
                name="identity_pools_pooldailystat_pool_day_kind_uniq",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["sign_up", "sign_in", "sign_in_failed"]),
                name="identity_pools_pooldailystat_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}: {self.count}"


class PoolName(models.Model):
    """A name (``PoolUser.name_key``) that users of the pool have or had: the
    pool's distinct names, which name search looks through with a trigram index
    before it fetches the newest users of each matching name.

    Kept by PostgreSQL (migration 0015): a trigger adds the names of new and
    renamed users, bulk writes included. A name nobody has any more stays: it
    finds no users, and it is likely to come back. Unused on SQLite, where name
    search walks the users.
    """

    id = models.BigAutoField(primary_key=True)
    # Indexed by the (pool, name) constraint and the trigram index.
    pool = models.ForeignKey(
        IdentityPool, on_delete=models.DB_CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(_("name"), max_length=300)

    class Meta:
        verbose_name = _("pool name")
        verbose_name_plural = _("pool names")
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "name"], name="identity_pools_poolname_pool_name_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PoolStatusCount(models.Model):
    """How many users of the pool are in one status, for the dashboard: kept by
    PostgreSQL (migration 0018; triggers on every insert, delete and status
    change, bulk writes included), so the dashboard reads three rows instead of
    counting a million. Unused on SQLite, where the dashboard counts."""

    id = models.BigAutoField(primary_key=True)
    # Indexed by the (pool, status) constraint.
    pool = models.ForeignKey(
        IdentityPool, on_delete=models.DB_CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(_("status"), max_length=16)
    count = models.BigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("pool status count")
        verbose_name_plural = _("pool status counts")
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "status"],
                name="identity_pools_poolstatuscount_pool_status_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"{self.status}: {self.count}"
