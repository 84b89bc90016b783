"""The target of every goal improves on its baseline in the goal's direction.

Apart from 0005_goal_direction, which fills the direction in: on PostgreSQL a table's constraint
cannot be added in the transaction that just updated its rows.
"""

from django.db import migrations, models
from django.db.models import F


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0005_goal_direction"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='goal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('direction', 'higher'), ('target__gte', models.F('baseline'))), models.Q(('direction', 'lower'), ('target__lte', models.F('baseline'))), _connector='OR'), name='goal_target_in_its_direction', violation_error_message="The target must improve on the baseline in the goal's direction: above it when higher is better, below it when lower is better."),
        ),
    ]
