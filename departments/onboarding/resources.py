"""django-import-export resources for onboarding: one per kind of file.

Each row is matched to what it describes by a natural key (`import_id_fields`): a
department by its slug or, failing that, its name (any case); a goal by its department
(name or slug) and its title (any case; the active goal first). A row that would change
nothing is skipped (`skip_unchanged`): it writes no row and no history, so running the
same file twice changes nothing.

A row obeys the rules of the page that makes the same thing: a goal goes through
`GoalForm` (required fields, choices, decimals and dates, the target in its direction,
one active goal per title), a department through a model form of its name, slug and
charter (lengths, slug format, uniqueness). One-line cells refuse line breaks and other
control characters, which a one-line input on a page cannot hold. Errors are keyed by
the file's column names, so the preview can say row, column and message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.text import slugify
from import_export import fields, resources

from departments.forms import GoalForm
from departments.models import Department, Direction, Goal, GoalCategory, GoalStatus
from departments.onboarding import files
from departments.onboarding.accounts import (
    Directory,
    Named,
    checked_email,
    checked_name,
    parse_people,
)
from departments.text import validate_single_line
from departments.versioning import save_versioned

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Choices

Errors = dict[str, list[ValidationError]]


@dataclass(frozen=True)
class Change:
    column: str
    before: str
    after: str


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _add(errors: Errors, column: str, error: ValidationError) -> None:
    errors.setdefault(column, []).extend(error.error_list)


def _choice(value: str, choices: type[Choices], noun: str, column: str, errors: Errors) -> str:
    """A choice by its value or its label, any case ('On track', 'on_track', 'on track')."""
    wanted = value.strip().lower()
    for stored, label in choices.choices:
        if wanted in {str(stored), str(stored).replace("_", " "), str(label).lower()}:
            return str(stored)
    if wanted:
        allowed = ", ".join(str(stored) for stored in choices.values)
        _add(errors, column, ValidationError(f"“{value}” is not a {noun}: use one of {allowed}."))
    return value


class OnboardingResource(resources.ModelResource):
    """What both resources share: the row being imported (for its line in the file), the
    people of the import, the changes each row makes, and a key seen once per file."""

    layout: ClassVar[files.Layout]
    one_line: ClassVar[tuple[str, ...]]

    def __init__(self, lines: list[int]) -> None:
        super().__init__()
        self.lines = lines
        self.directory = Directory()
        self.index = 0
        self.before: dict[int, dict[str, Any]] = {}
        self.changes: dict[int, list[Change]] = {}
        self.first_line: dict[object, int] = {}

    @property
    def line(self) -> int:
        """The current row's line in the spreadsheet (the header is line 1)."""
        return self.lines[self.index - 1]

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        self.index = kwargs["row_number"]

    def after_init_instance(self, instance: Any, new: bool, row: Any, **kwargs: Any) -> None:
        if not new:
            self.before[self.index] = self.snapshot(instance)

    def snapshot(self, instance: Any) -> dict[str, Any]:
        raise NotImplementedError

    def skip_row(
        self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None
    ) -> bool:
        """Skip (write nothing) when the row changes nothing; note what it changes."""
        if import_validation_errors:
            return False
        before = self.before.get(self.index)
        if before is None:
            return False  # new
        after = self.snapshot(instance)
        changes = [
            Change(column, _text(before[column]), _text(after[column]))
            for column in after
            if before[column] != after[column]
        ]
        self.changes[self.index] = changes
        return not changes

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        # The default resets the table's id sequence to its largest id (for imports that
        # bring their own ids): ours never do, and on PostgreSQL the reset could hand out
        # an id that a concurrent, uncommitted insert already holds.
        return None

    def one_line_errors(self, cells: dict[str, str]) -> Errors:
        errors: Errors = {}
        for column in self.one_line:
            try:
                validate_single_line(cells.get(column, ""))
            except ValidationError as error:
                _add(errors, column, error)
        return errors

    def once_per_file(self, key: object, column: str, what: str, errors: Errors) -> None:
        first = self.first_line.setdefault(key, self.line)
        if first != self.line:
            _add(errors, column, ValidationError(f"Row {first} already has this {what}."))

    @staticmethod
    def add_form_errors(form: forms.BaseForm, errors: Errors) -> None:
        """The form's errors under the file's columns (its fields are named as they are),
        unless the column already has one of ours."""
        for field, field_errors in form.errors.as_data().items():
            column = field if field in form.fields and field != "version" else NON_FIELD_ERRORS
            if column == NON_FIELD_ERRORS or column not in errors:
                errors.setdefault(column, []).extend(field_errors)


def _cells(row: dict[str, Any], layout: files.Layout) -> dict[str, str]:
    return {column: files.cell_text(row.get(column)) for column in layout.columns}


class DepartmentRowForm(forms.ModelForm):
    """A department's own fields, with the admin's rules (lengths, slug, uniqueness)."""

    class Meta:
        model = Department
        fields = ["name", "slug", "charter"]


class DepartmentResource(OnboardingResource):
    layout = files.DEPARTMENTS
    one_line = ("name", "slug", "head_email", "head_first_name", "head_last_name")

    head_email = fields.Field(column_name="head_email")
    head_first_name = fields.Field(column_name="head_first_name")
    head_last_name = fields.Field(column_name="head_last_name")
    key_leaders = fields.Field(column_name="key_leaders")

    class Meta:
        model = Department
        fields = files.DEPARTMENTS.columns
        import_id_fields = ("name",)
        skip_unchanged = True
        report_skipped = True
        skip_diff = True
        clean_model_instances = False  # the row form has checked it
        use_transactions = True

    def __init__(self, lines: list[int]) -> None:
        super().__init__(lines)
        self.leaders: dict[int, list[User]] = {}

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Department | None:
        cells = _cells(row, self.layout)
        by_slug = Department.objects.filter(slug=cells["slug"]).first() if cells["slug"] else None
        if by_slug is not None or not cells["name"]:
            return by_slug
        return Department.objects.filter(name__iexact=cells["name"]).first()

    def snapshot(self, instance: Department) -> dict[str, Any]:
        if self.index in self.leaders:
            leaders = self.leaders[self.index]
        else:
            leaders = list(instance.key_leaders.all()) if instance.pk else []
        return {
            "name": instance.name,
            "slug": instance.slug,
            "charter": instance.charter,
            "head_email": instance.head.email.lower() if instance.head else "",
            "key_leaders": "; ".join(sorted(user.email.lower() for user in leaders)),
        }

    def import_instance(self, instance: Department, row: dict[str, Any], **kwargs: Any) -> None:
        cells = _cells(row, self.layout)
        errors = self.one_line_errors(cells)
        slug = cells["slug"] or (instance.slug if instance.pk else slugify(cells["name"])[:120])
        if cells["name"] and not slug:
            _add(errors, "slug", ValidationError("Give a slug: none can be made from this name."))
        charter = cells["charter"] if "charter" in row else instance.charter
        data = {"name": cells["name"], "slug": slug, "charter": charter}
        form = DepartmentRowForm(data, instance=instance)
        if not form.is_valid():
            self.add_form_errors(form, errors)
        if "head_email" in row and "head_email" not in errors:
            self._head(instance, cells, errors)
        if "key_leaders" in row:
            try:
                people = parse_people(cells["key_leaders"])
                self.leaders[self.index] = [self.directory.find(p) for p in people]
            except ValidationError as error:
                _add(errors, "key_leaders", error)
        if cells["name"]:
            self.once_per_file(("name", cells["name"].lower()), "name", "department", errors)
        if slug and "name" not in errors:
            self.once_per_file(("slug", slug), "slug", "slug", errors)
        if errors:
            raise ValidationError(errors)

    def _head(self, instance: Department, cells: dict[str, str], errors: Errors) -> None:
        email = cells["head_email"]
        if not email:
            if cells["head_first_name"] or cells["head_last_name"]:
                message = "Give the head's email address: people are matched by it."
                _add(errors, "head_email", ValidationError(message))
            else:
                instance.head = None
            return
        try:
            named = Named(
                checked_email(email),
                checked_name(cells["head_first_name"]),
                checked_name(cells["head_last_name"]),
            )
            instance.head = self.directory.find(named)
        except ValidationError as error:
            _add(errors, "head_email", error)

    def before_save_instance(self, instance: Department, row: Any, **kwargs: Any) -> None:
        if instance.head is not None:
            self.directory.save_new(instance.head)

    def save_m2m(self, instance: Department, row: Any, **kwargs: Any) -> None:
        if self.index in self.leaders:
            leaders = self.leaders[self.index]
            for user in leaders:
                self.directory.save_new(user)
            instance.key_leaders.set(leaders)


class GoalResource(OnboardingResource):
    layout = files.GOALS
    one_line = ("department", "title", "metric", "unit")

    class Meta:
        model = Goal
        fields = files.GOALS.columns
        import_id_fields = ("department", "title")
        skip_unchanged = True
        report_skipped = True
        skip_diff = True
        clean_model_instances = False  # GoalForm has checked it
        use_transactions = True

    def __init__(self, lines: list[int]) -> None:
        super().__init__(lines)
        departments = list(Department.objects.select_related("head"))
        self.by_slug = {d.slug: d for d in departments}
        self.by_name = {d.name.lower(): d for d in departments}
        self.goals: dict[tuple[int, str], list[Goal]] = {}

    def department(self, cell: str) -> Department | None:
        return self.by_slug.get(cell) or self.by_name.get(cell.lower())

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        """Read the goals of the file's departments once, not one query per row (a title
        appears once per file, so what earlier rows create is never looked up)."""
        named = {self.department(files.cell_text(cell)) for cell in dataset["department"]}
        wanted = [department.pk for department in named if department is not None]
        self.goals = {}
        goals = Goal.objects.filter(department__in=wanted).select_related("department", "owner")
        for goal in goals.order_by("-updated_at", "-pk"):
            self.goals.setdefault((goal.department_id, goal.title.lower()), []).append(goal)

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Goal | None:
        """The active goal of this department and title (any case), else the latest done."""
        cells = _cells(row, self.layout)
        department = self.department(cells["department"])
        if department is None or not cells["title"]:
            return None
        named = self.goals.get((department.pk, cells["title"].lower()), [])
        active = [goal for goal in named if goal.status != GoalStatus.DONE]
        if active:
            return active[0]
        return named[0] if named else None

    def snapshot(self, instance: Goal) -> dict[str, Any]:
        values = {column: getattr(instance, column) for column in self.layout.columns[1:]}
        return {"department": instance.department.name, **values}

    def import_instance(self, instance: Goal, row: dict[str, Any], **kwargs: Any) -> None:
        cells = _cells(row, self.layout)
        errors = self.one_line_errors(cells)
        department = self.department(cells["department"])
        if department is None and "department" not in errors:
            message = (
                f"No department is called or has the slug “{cells['department']}”."
                if cells["department"]
                else "This field is required."
            )
            _add(errors, "department", ValidationError(message))
        elif department is not None and instance.pk is None:
            instance.department = department
            instance.owner = department.head  # as when the head logs it on the page
        if department is not None and cells["title"]:
            key = (department.pk, cells["title"].lower())
            self.once_per_file(key, "title", "goal", errors)
        form = GoalForm(self._form_data(instance, cells, row, errors), instance=instance)
        if not form.is_valid():
            self.add_form_errors(form, errors)
        if errors:
            raise ValidationError(errors)

    def _form_data(
        self, goal: Goal, cells: dict[str, str], row: dict[str, Any], errors: Errors
    ) -> dict[str, str]:
        """What the goal page would post for this row. A cell left empty (or a column
        left out) keeps an existing goal's current value and status; a new goal starts
        at its baseline, on track. An empty direction is read from baseline and target."""
        existing = goal.pk is not None
        current = cells["current"] or (_text(goal.current) if existing else cells["baseline"])
        status = cells["status"] or (goal.status if existing else GoalStatus.ON_TRACK)
        data = {
            "title": cells["title"],
            "description": cells["description"] if "description" in row else goal.description,
            "category": _choice(cells["category"], GoalCategory, "category", "category", errors),
            "metric": cells["metric"],
            "unit": cells["unit"] if "unit" in row else goal.unit,
            "direction": _choice(cells["direction"], Direction, "direction", "direction", errors),
            "baseline": cells["baseline"],
            "target": cells["target"],
            "current": current,
            "due_date": cells["due_date"],
            "status": _choice(status, GoalStatus, "status", "status", errors),
            "owner": _text(goal.owner_id),
        }
        if existing:
            data["version"] = str(goal.version)
        return data

    def do_instance_save(self, instance: Goal, is_create: bool) -> None:
        # As on the page: a changed goal is saved as its next version, so a form opened
        # before the import is refused instead of overwriting it.
        if is_create:
            instance.save(force_insert=True)
        else:
            save_versioned(instance)


RESOURCES: dict[str, type[OnboardingResource]] = {
    files.DEPARTMENTS.kind: DepartmentResource,
    files.GOALS.kind: GoalResource,
}
