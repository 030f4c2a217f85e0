# The API lists KPIs by name from this index instead of sorting every KPI of the organization.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('kpis', '0004_bulk_tables_lean'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='kpi',
            index=models.Index(fields=['organization', 'name', 'id'], name='kpi_list'),
        ),
    ]
