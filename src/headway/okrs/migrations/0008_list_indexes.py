# The API's lists read their order off these indexes instead of sorting every row of the
# organization before the LIMIT (2.4 million check-ins at the benchmark's size).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('okrs', '0007_quarterly_rhythm'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='checkin',
            index=models.Index(fields=['organization', '-created_at', '-id'], name='checkin_list'),
        ),
        migrations.AddIndex(
            model_name='keyresult',
            index=models.Index(fields=['organization', 'objective', 'position', 'id'], name='kr_list'),
        ),
        migrations.AddIndex(
            model_name='objective',
            index=models.Index(fields=['organization', 'cycle', 'position', 'id'], name='objective_list'),
        ),
    ]
