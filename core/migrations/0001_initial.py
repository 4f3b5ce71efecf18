"""The core app's tables. Both existed before under other apps (the rate-limit
buckets in accounts, the audit events in workspaces); their migrations renamed the
tables, so this one only takes the models over in Django's state. A new database
gets the tables from those apps' first migrations, then renamed."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0003_ratelimitbucket_to_core"),
        ("workspaces", "0002_auditevent_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='RateLimitBucket',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=255, unique=True)),
                        ('count', models.PositiveIntegerField(default=0)),
                        ('window_ends_at', models.DateTimeField(db_index=True)),
                    ],
                    options={
                        'verbose_name': 'rate-limit bucket',
                        'verbose_name_plural': 'rate-limit buckets',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='time')),
                        ('actor_type', models.CharField(choices=[('operator', 'Operator'), ('pool_user', 'Pool user'), ('api_token', 'API token'), ('application', 'Application'), ('system', 'System')], default='system', max_length=16, verbose_name='actor type')),
                        ('actor_id', models.CharField(blank=True, max_length=64, verbose_name='actor id')),
                        ('actor_label', models.CharField(blank=True, max_length=254, verbose_name='actor')),
                        ('workspace_id', models.UUIDField(blank=True, help_text='The workspace the event belongs to; empty for installation-wide events.', null=True, verbose_name='workspace id')),
                        ('action', models.CharField(max_length=64, verbose_name='action')),
                        ('target_type', models.CharField(blank=True, max_length=64, verbose_name='target type')),
                        ('target_id', models.CharField(blank=True, max_length=64, verbose_name='target id')),
                        ('details', models.JSONField(blank=True, default=dict, verbose_name='details')),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                    ],
                    options={
                        'verbose_name': 'audit event',
                        'verbose_name_plural': 'audit events',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['workspace_id', '-created_at', '-id'], name='ws_audit_ws_time_idx'), models.Index(fields=['target_type', 'target_id'], name='workspaces_audit_target_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('actor_type__in', ['operator', 'pool_user', 'api_token', 'application', 'system'])), name='core_auditevent_actor_type_valid')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
