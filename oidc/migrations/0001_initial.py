"""The OpenID provider's models move here from ``workspaces`` (IdpConnection,
Application, ApplicationConnection, SigningKey) and ``accounts``
(AuthorizationCode, OAuthToken, Consent): state only. Their tables keep their
names (``Meta.db_table``), so the database does not change and nodes of the
release before keep working during a rolling deploy. ``accounts`` 0015 and
``workspaces`` 0010 forget them after this."""

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import oidc.models.applications
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0014_authcode_nonce_index_remove'),
        ('identity_pools', '0022_imported_hash_limits'),
        ('workspaces', '0009_application_require_two_factors'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Application',
                    fields=[
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('kind', models.CharField(choices=[('web', 'Web application (with a client secret)'), ('spa', 'Single-page application (no secret, PKCE)'), ('native', 'Native or mobile application (no secret, PKCE)'), ('m2m', 'Machine to machine (client credentials)')], max_length=10, verbose_name='type')),
                        ('client_id', models.CharField(default=oidc.models.applications.new_client_id, editable=False, max_length=64, unique=True, verbose_name='client id')),
                        ('secret_hash', models.CharField(blank=True, editable=False, max_length=64)),
                        ('previous_secret_hash', models.CharField(blank=True, editable=False, max_length=64)),
                        ('previous_secret_expires_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='previous secret valid until')),
                        ('redirect_uris', models.JSONField(blank=True, default=list, help_text='Exact match; https, or http on 127.0.0.1, [::1], localhost.', verbose_name='redirect URIs')),
                        ('post_logout_redirect_uris', models.JSONField(blank=True, default=list, verbose_name='post-logout redirect URIs')),
                        ('grant_types', models.JSONField(blank=True, default=list, verbose_name='grant types')),
                        ('scopes', models.JSONField(blank=True, default=list, verbose_name='scopes')),
                        ('access_token_seconds', models.PositiveIntegerField(default=3600, validators=[django.core.validators.MinValueValidator(60), django.core.validators.MaxValueValidator(86400)], verbose_name='access-token lifetime (seconds)')),
                        ('refresh_token_seconds', models.PositiveIntegerField(default=2592000, validators=[django.core.validators.MinValueValidator(60), django.core.validators.MaxValueValidator(31536000)], verbose_name='refresh-token lifetime (seconds)')),
                        ('rotate_refresh_tokens', models.BooleanField(default=True, help_text='Each use of a refresh token returns a new one.', verbose_name='rotate refresh tokens')),
                        ('require_consent', models.BooleanField(default=False, help_text='Ask users to allow the application the first time.', verbose_name='users must consent')),
                        ('require_two_factors', models.BooleanField(db_default=False, default=False, help_text='A user signed in with one factor is asked for a second (or to set one up) before this application gets a code; its ID tokens then say acr 2. The pools it uses must count a second factor.', verbose_name='users sign in with two factors')),
                        ('pairwise_subject', models.BooleanField(default=False, help_text='Give this application its own “sub” for each user.', verbose_name='pairwise subject')),
                        ('id_token_alg', models.CharField(choices=[('ES256', 'ES256'), ('RS256', 'RS256')], default='ES256', help_text="ES256 unless the application's library needs RS256.", max_length=10, verbose_name='ID-token signing algorithm')),
                        ('claim_mappings', models.JSONField(blank=True, default=list, verbose_name='custom claims')),
                        ('subject_salt', models.CharField(default=oidc.models.applications.new_subject_salt, editable=False, max_length=64)),
                        ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='applications', to='workspaces.workspace')),
                    ],
                    options={
                        'verbose_name': 'application',
                        'verbose_name_plural': 'applications',
                        'db_table': 'workspaces_application',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='IdpConnection',
                    fields=[
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('display_name', models.CharField(help_text='Shown to users when an application offers several.', max_length=100, verbose_name='display name')),
                        ('pool', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='idp_connections', to='identity_pools.identitypool')),
                        ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='idp_connections', to='workspaces.workspace')),
                    ],
                    options={
                        'verbose_name': 'identity provider connection',
                        'verbose_name_plural': 'identity provider connections',
                        'db_table': 'workspaces_idpconnection',
                        'ordering': ['display_name'],
                    },
                ),
                migrations.CreateModel(
                    name='ApplicationConnection',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='+', to='oidc.application')),
                        ('connection', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='+', to='oidc.idpconnection')),
                    ],
                    options={
                        'verbose_name': "application's identity provider",
                        'verbose_name_plural': "applications' identity providers",
                        'db_table': 'workspaces_applicationconnection',
                    },
                ),
                migrations.AddField(
                    model_name='application',
                    name='connections',
                    field=models.ManyToManyField(blank=True, related_name='applications', through='oidc.ApplicationConnection', to='oidc.idpconnection', verbose_name='identity providers'),
                ),
                migrations.CreateModel(
                    name='OAuthToken',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('family', models.UUIDField(default=uuid.uuid4)),
                        ('access_token_hash', models.CharField(max_length=64)),
                        ('refresh_token_hash', models.CharField(blank=True, max_length=64, null=True)),
                        ('scope', models.TextField(blank=True)),
                        ('auth_time', models.DateTimeField(blank=True, null=True)),
                        ('amr', models.JSONField(blank=True, default=list)),
                        ('acr', models.CharField(blank=True, max_length=20)),
                        ('issued_at', models.DateTimeField(verbose_name='issued')),
                        ('access_expires_at', models.DateTimeField(verbose_name='access token expires')),
                        ('refresh_expires_at', models.DateTimeField(blank=True, null=True, verbose_name='refresh token expires')),
                        ('rotated_at', models.DateTimeField(blank=True, help_text='The refresh token was exchanged for a new one.', null=True, verbose_name='refresh token used')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked')),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='+', to='oidc.application')),
                        ('sso_session', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.DB_SET_NULL, related_name='+', to='accounts.ssosession')),
                        ('user', models.ForeignKey(blank=True, help_text='Empty for client-credentials tokens.', null=True, on_delete=django.db.models.deletion.DB_CASCADE, related_name='oauth_tokens', to='identity_pools.pooluser')),
                    ],
                    options={
                        'verbose_name': 'OAuth token',
                        'verbose_name_plural': 'OAuth tokens',
                        'db_table': 'accounts_oauthtoken',
                    },
                ),
                migrations.CreateModel(
                    name='SigningKey',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('kid', models.CharField(default=oidc.models.applications.new_kid, editable=False, max_length=64, unique=True, verbose_name='key id')),
                        ('alg', models.CharField(choices=[('ES256', 'ES256'), ('RS256', 'RS256')], default='ES256', max_length=10, verbose_name='algorithm')),
                        ('private_key_encrypted', models.BinaryField()),
                        ('public_jwk', models.JSONField(editable=False, verbose_name='public key (JWK)')),
                        ('state', models.CharField(choices=[('next', 'Next (published, not yet signing)'), ('active', 'Active (signing)'), ('retired', 'Retired (published for verification)')], max_length=10, verbose_name='state')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('activated_at', models.DateTimeField(blank=True, null=True, verbose_name='activated')),
                        ('retired_at', models.DateTimeField(blank=True, null=True, verbose_name='retired')),
                        ('retire_after', models.DateTimeField(blank=True, null=True, verbose_name='published until')),
                        ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='signing_keys', to='workspaces.workspace')),
                    ],
                    options={
                        'verbose_name': 'signing key',
                        'verbose_name_plural': 'signing keys',
                        'db_table': 'workspaces_signingkey',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='AuthorizationCode',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('code_hash', models.CharField(max_length=64)),
                        ('family', models.UUIDField(default=uuid.uuid4)),
                        ('redirect_uri', models.TextField()),
                        ('scope', models.TextField(blank=True)),
                        ('nonce', models.CharField(blank=True, max_length=255)),
                        ('code_challenge', models.CharField(blank=True, max_length=128)),
                        ('code_challenge_method', models.CharField(blank=True, max_length=10)),
                        ('auth_time', models.DateTimeField()),
                        ('amr', models.JSONField(default=list)),
                        ('acr', models.CharField(blank=True, max_length=20)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('expires_at', models.DateTimeField()),
                        ('used_at', models.DateTimeField(blank=True, null=True)),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='+', to='oidc.application')),
                        ('sso_session', models.ForeignKey(null=True, on_delete=django.db.models.deletion.DB_CASCADE, related_name='+', to='accounts.ssosession')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='+', to='identity_pools.pooluser')),
                    ],
                    options={
                        'verbose_name': 'authorization code',
                        'verbose_name_plural': 'authorization codes',
                        'db_table': 'accounts_authorizationcode',
                        'indexes': [models.Index(fields=['expires_at'], name='accounts_authcode_exp_idx')],
                        'constraints': [models.UniqueConstraint(fields=('code_hash',), name='accounts_authcode_hash_uniq')],
                    },
                ),
                migrations.CreateModel(
                    name='Consent',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('scopes', models.JSONField(default=list)),
                        ('granted_at', models.DateTimeField(auto_now=True)),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='+', to='oidc.application')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.DB_CASCADE, related_name='+', to='identity_pools.pooluser')),
                    ],
                    options={
                        'verbose_name': 'consent',
                        'verbose_name_plural': 'consents',
                        'db_table': 'accounts_consent',
                        'constraints': [models.UniqueConstraint(fields=('user', 'application'), name='accounts_consent_uniq')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='idpconnection',
                    constraint=models.UniqueConstraint(fields=('workspace', 'pool'), name='workspaces_idpconnection_workspace_pool_uniq', violation_error_code='idp_pool_connected', violation_error_message='This pool is already connected as an identity provider of this workspace. Use the existing connection, or disconnect it first.'),
                ),
                migrations.AddConstraint(
                    model_name='applicationconnection',
                    constraint=models.UniqueConstraint(fields=('application', 'connection'), name='workspaces_applicationconnection_uniq'),
                ),
                migrations.AddConstraint(
                    model_name='application',
                    constraint=models.UniqueConstraint(models.F('workspace'), django.db.models.functions.text.Lower('name'), name='workspaces_application_workspace_name_uniq', violation_error_code='application_name_taken', violation_error_message='This workspace already has an application of this name (in any letter case). Choose another name.'),
                ),
                migrations.AddConstraint(
                    model_name='application',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['web', 'spa', 'native', 'm2m'])), name='workspaces_application_kind_valid'),
                ),
                migrations.AddConstraint(
                    model_name='application',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ['spa', 'native']), ('secret_hash', '')), models.Q(('kind__in', ['web', 'm2m']), models.Q(('secret_hash', ''), _negated=True)), _connector='OR'), name='workspaces_application_secret_for_kind'),
                ),
                migrations.AddConstraint(
                    model_name='application',
                    constraint=models.CheckConstraint(condition=models.Q(('access_token_seconds__range', (60, 86400)), ('refresh_token_seconds__range', (60, 31536000))), name='workspaces_application_lifetimes_valid'),
                ),
                migrations.AddConstraint(
                    model_name='application',
                    constraint=models.CheckConstraint(condition=models.Q(('id_token_alg__in', ['ES256', 'RS256'])), name='workspaces_application_id_token_alg_valid'),
                ),
                migrations.AddIndex(
                    model_name='oauthtoken',
                    index=models.Index(fields=['family'], name='accounts_oauthtoken_family_idx'),
                ),
                migrations.AddIndex(
                    model_name='oauthtoken',
                    index=models.Index(fields=['user', '-issued_at'], name='accounts_oauthtoken_user_idx'),
                ),
                migrations.AddConstraint(
                    model_name='oauthtoken',
                    constraint=models.UniqueConstraint(fields=('access_token_hash',), name='accounts_oauthtoken_access_uniq'),
                ),
                migrations.AddConstraint(
                    model_name='oauthtoken',
                    constraint=models.UniqueConstraint(fields=('refresh_token_hash',), name='accounts_oauthtoken_refresh_uniq'),
                ),
                migrations.AddConstraint(
                    model_name='signingkey',
                    constraint=models.CheckConstraint(condition=models.Q(('alg__in', ['ES256', 'RS256'])), name='workspaces_signingkey_alg_valid'),
                ),
                migrations.AddConstraint(
                    model_name='signingkey',
                    constraint=models.CheckConstraint(condition=models.Q(('state', 'next'), models.Q(('activated_at__isnull', False), ('state', 'active')), models.Q(('retire_after__isnull', False), ('retired_at__isnull', False), ('state', 'retired')), _connector='OR'), name='workspaces_signingkey_state_valid'),
                ),
                migrations.AddConstraint(
                    model_name='signingkey',
                    constraint=models.UniqueConstraint(condition=models.Q(('state', 'active')), fields=('workspace', 'alg'), name='workspaces_signingkey_one_active'),
                ),
                migrations.AddConstraint(
                    model_name='signingkey',
                    constraint=models.UniqueConstraint(condition=models.Q(('state', 'next')), fields=('workspace', 'alg'), name='workspaces_signingkey_one_next'),
                ),
            ],
            database_operations=[],
        ),
    ]
