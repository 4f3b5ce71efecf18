"""IdpConnection, Application, ApplicationConnection and SigningKey are the
OpenID provider's (``oidc`` 0001 took them, tables and all): state only, the
database does not change."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('workspaces', '0010_apitoken_from_accounts'),
        ('accounts', '0016_oidc_models_to_oidc'),
        ('oidc', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='application',
                    name='workspaces_application_workspace_name_uniq',
                ),
                migrations.RemoveConstraint(
                    model_name='application',
                    name='workspaces_application_kind_valid',
                ),
                migrations.RemoveConstraint(
                    model_name='application',
                    name='workspaces_application_secret_for_kind',
                ),
                migrations.RemoveConstraint(
                    model_name='application',
                    name='workspaces_application_lifetimes_valid',
                ),
                migrations.RemoveConstraint(
                    model_name='application',
                    name='workspaces_application_id_token_alg_valid',
                ),
                migrations.RemoveConstraint(
                    model_name='applicationconnection',
                    name='workspaces_applicationconnection_uniq',
                ),
                migrations.RemoveConstraint(
                    model_name='idpconnection',
                    name='workspaces_idpconnection_workspace_pool_uniq',
                ),
                migrations.RemoveConstraint(
                    model_name='signingkey',
                    name='workspaces_signingkey_alg_valid',
                ),
                migrations.RemoveConstraint(
                    model_name='signingkey',
                    name='workspaces_signingkey_state_valid',
                ),
                migrations.RemoveConstraint(
                    model_name='signingkey',
                    name='workspaces_signingkey_one_active',
                ),
                migrations.RemoveConstraint(
                    model_name='signingkey',
                    name='workspaces_signingkey_one_next',
                ),
                migrations.RemoveField(
                    model_name='applicationconnection',
                    name='application',
                ),
                migrations.RemoveField(
                    model_name='applicationconnection',
                    name='connection',
                ),
                migrations.RemoveField(
                    model_name='idpconnection',
                    name='pool',
                ),
                migrations.RemoveField(
                    model_name='idpconnection',
                    name='workspace',
                ),
                migrations.RemoveField(
                    model_name='signingkey',
                    name='workspace',
                ),
                migrations.DeleteModel(
                    name='Application',
                ),
                migrations.DeleteModel(
                    name='ApplicationConnection',
                ),
                migrations.DeleteModel(
                    name='IdpConnection',
                ),
                migrations.DeleteModel(
                    name='SigningKey',
                ),
            ],
            database_operations=[],
        ),
    ]
