"""AuthorizationCode, OAuthToken and Consent are the OpenID provider's
(``oidc`` 0001 took them, tables and all): state only, the database does not
change."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0015_apitoken_to_workspaces'),
        ('oidc', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name='authorizationcode',
                    name='accounts_authcode_exp_idx',
                ),
                migrations.RemoveConstraint(
                    model_name='authorizationcode',
                    name='accounts_authcode_hash_uniq',
                ),
                migrations.RemoveConstraint(
                    model_name='consent',
                    name='accounts_consent_uniq',
                ),
                migrations.RemoveIndex(
                    model_name='oauthtoken',
                    name='accounts_oauthtoken_family_idx',
                ),
                migrations.RemoveIndex(
                    model_name='oauthtoken',
                    name='accounts_oauthtoken_user_idx',
                ),
                migrations.RemoveConstraint(
                    model_name='oauthtoken',
                    name='accounts_oauthtoken_access_uniq',
                ),
                migrations.RemoveConstraint(
                    model_name='oauthtoken',
                    name='accounts_oauthtoken_refresh_uniq',
                ),
                migrations.RemoveField(
                    model_name='consent',
                    name='application',
                ),
                migrations.RemoveField(
                    model_name='consent',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='oauthtoken',
                    name='application',
                ),
                migrations.RemoveField(
                    model_name='oauthtoken',
                    name='sso_session',
                ),
                migrations.RemoveField(
                    model_name='oauthtoken',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='AuthorizationCode',
                ),
                migrations.DeleteModel(
                    name='Consent',
                ),
                migrations.DeleteModel(
                    name='OAuthToken',
                ),
            ],
            database_operations=[],
        ),
    ]
