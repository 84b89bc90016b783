"""Every number of a case gets an upper bound, as a validator and a CheckConstraint.

Rows stored before the bounds existed (the hostile probe saved 2,147,483,647 users at
an hourly rate of 999,999,999,999.99) are first clamped to the bound, so the constraints
can be added; the bounds are literals here, as they were when this migration was written.
Titles and labels become one line: a control character (a CR/LF that broke an email
subject) becomes a space.
"""

import business_cases.models.fields
import django.core.validators
import re
from decimal import Decimal
from django.db import migrations, models


MONEY = Decimal(10) ** 12
ARO = Decimal(365)
BOUNDS = {
    "CostLine": {"amount": MONEY},
    "BenefitLine": {"yearly_amount": MONEY},
    "RiskScenario": {
        **{name: MONEY for name in ("sle", "sle_low", "sle_high", "sle_after")},
        **{
            f"aro_{when}{end}": ARO
            for when in ("before", "after")
            for end in ("", "_low", "_high")
        },
    },
    "UserImpactLine": {
        "users": 10_000_000,
        "minutes_per_week": Decimal(10_080),
        "hourly_rate": Decimal(10) ** 6,
    },
    "LoadedRate": {"hourly_rate": Decimal(10) ** 6},
}
SINGLE_LINE = {
    "BusinessCase": [
        "title", "confidentiality_how", "integrity_how", "availability_how",
    ],
    "CostLine": ["description"],
    "RiskScenario": ["name"],
    "BenefitLine": ["description"],
    "UserImpactLine": ["description"],
}
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clamp(apps, schema_editor):
    """Lower every value above its bound to the bound, and SLE after to the SLE. Low ≤
    likely ≤ high still holds: clamping keeps the order of any two values."""
    for model_name, bounds in BOUNDS.items():
        model = apps.get_model("business_cases", model_name)
        for name, high in bounds.items():
            model.objects.filter(**{f"{name}__gt": high}).update(**{name: high})
    scenario = apps.get_model("business_cases", "RiskScenario")
    scenario.objects.filter(sle_after__gt=models.F("sle")).update(sle_after=models.F("sle"))


def one_line(apps, schema_editor):
    """Control characters in titles and labels become spaces (few rows: cases and lines)."""
    for model_name, names in SINGLE_LINE.items():
        model = apps.get_model("business_cases", model_name)
        for row in model.objects.only("pk", *names).iterator():
            changed = {
                name: CONTROL_CHARACTERS.sub(" ", getattr(row, name)).strip() or "Untitled"
                for name in names
                if CONTROL_CHARACTERS.search(getattr(row, name))
            }
            if changed:
                model.objects.filter(pk=row.pk).update(**changed)


class Migration(migrations.Migration):

    dependencies = [
        ('business_cases', '0004_case_email_moves_to_the_outbox'),
        ('departments', '0006_goal_target_in_its_direction'),
    ]

    operations = [
        migrations.AlterField(
            model_name='benefitline',
            name='description',
            field=models.CharField(max_length=200, validators=[business_cases.models.fields.single_line]),
        ),
        migrations.AlterField(
            model_name='benefitline',
            name='yearly_amount',
            field=models.DecimalField(decimal_places=2, max_digits=15, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='yearly amount'),
        ),
        migrations.AlterField(
            model_name='businesscase',
            name='availability_how',
            field=models.CharField(blank=True, max_length=300, validators=[business_cases.models.fields.single_line], verbose_name='how, for availability'),
        ),
        migrations.AlterField(
            model_name='businesscase',
            name='confidentiality_how',
            field=models.CharField(blank=True, max_length=300, validators=[business_cases.models.fields.single_line], verbose_name='how, for confidentiality'),
        ),
        migrations.AlterField(
            model_name='businesscase',
            name='integrity_how',
            field=models.CharField(blank=True, max_length=300, validators=[business_cases.models.fields.single_line], verbose_name='how, for integrity'),
        ),
        migrations.AlterField(
            model_name='businesscase',
            name='summary',
            field=models.TextField(blank=True, help_text='The case in a few sentences.', max_length=5000),
        ),
        migrations.AlterField(
            model_name='businesscase',
            name='title',
            field=models.CharField(max_length=200, validators=[business_cases.models.fields.single_line]),
        ),
        migrations.AlterField(
            model_name='businesscase',
            name='user_benefits',
            field=models.TextField(blank=True, help_text='Concretely: fewer incidents, faster access, trust that customers notice…', max_length=5000, verbose_name='what users gain'),
        ),
        migrations.AlterField(
            model_name='casedecision',
            name='comment',
            field=models.TextField(max_length=5000),
        ),
        migrations.AlterField(
            model_name='costline',
            name='amount',
            field=models.DecimalField(decimal_places=2, max_digits=15, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='amount'),
        ),
        migrations.AlterField(
            model_name='costline',
            name='description',
            field=models.CharField(max_length=200, validators=[business_cases.models.fields.single_line]),
        ),
        migrations.AlterField(
            model_name='historicalbenefitline',
            name='description',
            field=models.CharField(max_length=200, validators=[business_cases.models.fields.single_line]),
        ),
        migrations.AlterField(
            model_name='historicalbenefitline',
            name='yearly_amount',
            field=models.DecimalField(decimal_places=2, max_digits=15, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='yearly amount'),
        ),
        migrations.AlterField(
            model_name='historicalbusinesscase',
            name='availability_how',
            field=models.CharField(blank=True, max_length=300, validators=[business_cases.models.fields.single_line], verbose_name='how, for availability'),
        ),
        migrations.AlterField(
            model_name='historicalbusinesscase',
            name='confidentiality_how',
            field=models.CharField(blank=True, max_length=300, validators=[business_cases.models.fields.single_line], verbose_name='how, for confidentiality'),
        ),
        migrations.AlterField(
            model_name='historicalbusinesscase',
            name='integrity_how',
            field=models.CharField(blank=True, max_length=300, validators=[business_cases.models.fields.single_line], verbose_name='how, for integrity'),
        ),
        migrations.AlterField(
            model_name='historicalbusinesscase',
            name='summary',
            field=models.TextField(blank=True, help_text='The case in a few sentences.', max_length=5000),
        ),
        migrations.AlterField(
            model_name='historicalbusinesscase',
            name='title',
            field=models.CharField(max_length=200, validators=[business_cases.models.fields.single_line]),
        ),
        migrations.AlterField(
            model_name='historicalbusinesscase',
            name='user_benefits',
            field=models.TextField(blank=True, help_text='Concretely: fewer incidents, faster access, trust that customers notice…', max_length=5000, verbose_name='what users gain'),
        ),
        migrations.AlterField(
            model_name='historicalcostline',
            name='amount',
            field=models.DecimalField(decimal_places=2, max_digits=15, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='amount'),
        ),
        migrations.AlterField(
            model_name='historicalcostline',
            name='description',
            field=models.CharField(max_length=200, validators=[business_cases.models.fields.single_line]),
        ),
        migrations.AlterField(
            model_name='historicalloadedrate',
            name='hourly_rate',
            field=models.DecimalField(decimal_places=2, help_text='Per hour, in the site currency.', max_digits=15, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000'))], verbose_name='loaded hourly rate'),
        ),
        migrations.AlterField(
            model_name='historicalriskscenario',
            name='aro_after',
            field=models.DecimalField(decimal_places=3, help_text='Occurrences a year, with the measure.', max_digits=9, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO after (likely)'),
        ),
        migrations.AlterField(
            model_name='historicalriskscenario',
            name='aro_after_high',
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO after high'),
        ),
        migrations.AlterField(
            model_name='historicalriskscenario',
            name='aro_after_low',
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO after low'),
        ),
        migrations.AlterField(
            model_name='historicalriskscenario',
            name='aro_before',
            field=models.DecimalField(decimal_places=3, help_text='Occurrences a year, today.', max_digits=9, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO before (likely)'),
        ),
        migrations.AlterField(
            model_name='historicalriskscenario',
            name='aro_before_high',
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO before high'),
        ),
        migrations.AlterField(
            model_name='historicalriskscenario',
            name='aro_before_low',
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO before low'),
        ),
        migrations.AlterField(
            model_name='historicalriskscenario',
            name='name',
            field=models.CharField(max_length=200, validators=[business_cases.models.fields.single_line]),
        ),
        migrations.AlterField(
            model_name='historicalriskscenario',
            name='sle',
            field=models.DecimalField(decimal_places=2, help_text='What one occurrence costs.', max_digits=15, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='SLE (likely)'),
        ),
        migrations.AlterField(
            model_name='historicalriskscenario',
            name='sle_after',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='If the measure makes one occurrence cheaper.', max_digits=15, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='SLE after'),
        ),
        migrations.AlterField(
            model_name='historicalriskscenario',
            name='sle_high',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=15, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='SLE high'),
        ),
        migrations.AlterField(
            model_name='historicalriskscenario',
            name='sle_low',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=15, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='SLE low'),
        ),
        migrations.AlterField(
            model_name='historicaluserimpactline',
            name='description',
            field=models.CharField(help_text='e.g. MFA prompts, password resets.', max_length=200, validators=[business_cases.models.fields.single_line]),
        ),
        migrations.AlterField(
            model_name='historicaluserimpactline',
            name='hourly_rate',
            field=models.DecimalField(decimal_places=2, max_digits=15, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000'))], verbose_name='loaded hourly rate'),
        ),
        migrations.AlterField(
            model_name='historicaluserimpactline',
            name='minutes_per_week',
            field=models.DecimalField(decimal_places=1, max_digits=7, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(Decimal('10080'))], verbose_name='minutes a week, each'),
        ),
        migrations.AlterField(
            model_name='historicaluserimpactline',
            name='users',
            field=models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(10000000)], verbose_name='users affected'),
        ),
        migrations.AlterField(
            model_name='loadedrate',
            name='hourly_rate',
            field=models.DecimalField(decimal_places=2, help_text='Per hour, in the site currency.', max_digits=15, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000'))], verbose_name='loaded hourly rate'),
        ),
        migrations.AlterField(
            model_name='riskscenario',
            name='aro_after',
            field=models.DecimalField(decimal_places=3, help_text='Occurrences a year, with the measure.', max_digits=9, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO after (likely)'),
        ),
        migrations.AlterField(
            model_name='riskscenario',
            name='aro_after_high',
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO after high'),
        ),
        migrations.AlterField(
            model_name='riskscenario',
            name='aro_after_low',
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO after low'),
        ),
        migrations.AlterField(
            model_name='riskscenario',
            name='aro_before',
            field=models.DecimalField(decimal_places=3, help_text='Occurrences a year, today.', max_digits=9, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO before (likely)'),
        ),
        migrations.AlterField(
            model_name='riskscenario',
            name='aro_before_high',
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO before high'),
        ),
        migrations.AlterField(
            model_name='riskscenario',
            name='aro_before_low',
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('365'))], verbose_name='ARO before low'),
        ),
        migrations.AlterField(
            model_name='riskscenario',
            name='name',
            field=models.CharField(max_length=200, validators=[business_cases.models.fields.single_line]),
        ),
        migrations.AlterField(
            model_name='riskscenario',
            name='sle',
            field=models.DecimalField(decimal_places=2, help_text='What one occurrence costs.', max_digits=15, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='SLE (likely)'),
        ),
        migrations.AlterField(
            model_name='riskscenario',
            name='sle_after',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='If the measure makes one occurrence cheaper.', max_digits=15, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='SLE after'),
        ),
        migrations.AlterField(
            model_name='riskscenario',
            name='sle_high',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=15, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='SLE high'),
        ),
        migrations.AlterField(
            model_name='riskscenario',
            name='sle_low',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=15, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000000000'))], verbose_name='SLE low'),
        ),
        migrations.AlterField(
            model_name='userimpactline',
            name='description',
            field=models.CharField(help_text='e.g. MFA prompts, password resets.', max_length=200, validators=[business_cases.models.fields.single_line]),
        ),
        migrations.AlterField(
            model_name='userimpactline',
            name='hourly_rate',
            field=models.DecimalField(decimal_places=2, max_digits=15, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1000000'))], verbose_name='loaded hourly rate'),
        ),
        migrations.AlterField(
            model_name='userimpactline',
            name='minutes_per_week',
            field=models.DecimalField(decimal_places=1, max_digits=7, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(Decimal('10080'))], verbose_name='minutes a week, each'),
        ),
        migrations.AlterField(
            model_name='userimpactline',
            name='users',
            field=models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(10000000)], verbose_name='users affected'),
        ),
        migrations.RunPython(clamp, migrations.RunPython.noop),
        migrations.RunPython(one_line, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='riskscenario',
            constraint=models.CheckConstraint(condition=models.Q(('sle_after__isnull', True), ('sle_after__lte', models.F('sle')), _connector='OR'), name='scenario_sle_after_at_most_sle', violation_error_message='SLE after is at most the likely SLE.'),
        ),
        migrations.AddConstraint(
            model_name='benefitline',
            constraint=models.CheckConstraint(condition=models.Q(('yearly_amount__lte', Decimal('1000000000000')), ('yearly_amount__isnull', True), _connector='OR'), name='benefit_amount_max'),
        ),
        migrations.AddConstraint(
            model_name='costline',
            constraint=models.CheckConstraint(condition=models.Q(('amount__lte', Decimal('1000000000000')), ('amount__isnull', True), _connector='OR'), name='cost_amount_max'),
        ),
        migrations.AddConstraint(
            model_name='loadedrate',
            constraint=models.CheckConstraint(condition=models.Q(('hourly_rate__lte', Decimal('1000000')), ('hourly_rate__isnull', True), _connector='OR'), name='rate_max'),
        ),
        migrations.AddConstraint(
            model_name='riskscenario',
            constraint=models.CheckConstraint(condition=models.Q(('sle__lte', Decimal('1000000000000')), ('sle__isnull', True), _connector='OR'), name='scenario_sle_max'),
        ),
        migrations.AddConstraint(
            model_name='riskscenario',
            constraint=models.CheckConstraint(condition=models.Q(('sle_low__lte', Decimal('1000000000000')), ('sle_low__isnull', True), _connector='OR'), name='scenario_sle_low_max'),
        ),
        migrations.AddConstraint(
            model_name='riskscenario',
            constraint=models.CheckConstraint(condition=models.Q(('sle_high__lte', Decimal('1000000000000')), ('sle_high__isnull', True), _connector='OR'), name='scenario_sle_high_max'),
        ),
        migrations.AddConstraint(
            model_name='riskscenario',
            constraint=models.CheckConstraint(condition=models.Q(('sle_after__lte', Decimal('1000000000000')), ('sle_after__isnull', True), _connector='OR'), name='scenario_sle_after_max'),
        ),
        migrations.AddConstraint(
            model_name='riskscenario',
            constraint=models.CheckConstraint(condition=models.Q(('aro_before__lte', Decimal('365')), ('aro_before__isnull', True), _connector='OR'), name='scenario_aro_before_max'),
        ),
        migrations.AddConstraint(
            model_name='riskscenario',
            constraint=models.CheckConstraint(condition=models.Q(('aro_before_low__lte', Decimal('365')), ('aro_before_low__isnull', True), _connector='OR'), name='scenario_aro_before_low_max'),
        ),
        migrations.AddConstraint(
            model_name='riskscenario',
            constraint=models.CheckConstraint(condition=models.Q(('aro_before_high__lte', Decimal('365')), ('aro_before_high__isnull', True), _connector='OR'), name='scenario_aro_before_high_max'),
        ),
        migrations.AddConstraint(
            model_name='riskscenario',
            constraint=models.CheckConstraint(condition=models.Q(('aro_after__lte', Decimal('365')), ('aro_after__isnull', True), _connector='OR'), name='scenario_aro_after_max'),
        ),
        migrations.AddConstraint(
            model_name='riskscenario',
            constraint=models.CheckConstraint(condition=models.Q(('aro_after_low__lte', Decimal('365')), ('aro_after_low__isnull', True), _connector='OR'), name='scenario_aro_after_low_max'),
        ),
        migrations.AddConstraint(
            model_name='riskscenario',
            constraint=models.CheckConstraint(condition=models.Q(('aro_after_high__lte', Decimal('365')), ('aro_after_high__isnull', True), _connector='OR'), name='scenario_aro_after_high_max'),
        ),
        migrations.AddConstraint(
            model_name='userimpactline',
            constraint=models.CheckConstraint(condition=models.Q(('users__lte', 10000000), ('users__isnull', True), _connector='OR'), name='user_impact_users_max'),
        ),
        migrations.AddConstraint(
            model_name='userimpactline',
            constraint=models.CheckConstraint(condition=models.Q(('minutes_per_week__lte', Decimal('10080')), ('minutes_per_week__isnull', True), _connector='OR'), name='user_impact_minutes_max'),
        ),
        migrations.AddConstraint(
            model_name='userimpactline',
            constraint=models.CheckConstraint(condition=models.Q(('hourly_rate__lte', Decimal('1000000')), ('hourly_rate__isnull', True), _connector='OR'), name='user_impact_rate_max'),
        ),
    ]
