from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="co_sell_unmet",
            field=models.JSONField(
                blank=True, editable=False, null=True, verbose_name="missing requirements"
            ),
        ),
    ]
