"""The "Door staff" group: may check tickets in at the door (/staff/check-in/) without admin
access. Its one permission is "payments.add_checkin" (recording a check-in)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Door staff"


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate): make sure
    # payments' exist now, on a fresh database too.
    config = apps.get_app_config("payments")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename="add_checkin")
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_delivery"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
