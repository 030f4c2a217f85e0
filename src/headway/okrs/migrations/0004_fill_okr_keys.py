"""Give every existing objective and key result its stable key (data only)."""

from django.db import migrations
from django.utils.text import slugify


def _unique(title, taken):
    base = slugify(title)[:76].strip("-") or "okr"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    taken.add(key)
    return key


def fill_keys(apps, schema_editor):
    Objective = apps.get_model("okrs", "Objective")
    KeyResult = apps.get_model("okrs", "KeyResult")
    db = schema_editor.connection.alias  # the database being migrated, not always "default"
    taken_by_cycle = {}
    for objective in Objective.objects.using(db).order_by("id").iterator():
        taken = taken_by_cycle.setdefault(objective.cycle_id, set())
        objective.key = _unique(objective.title, taken)
        objective.save(update_fields=["key"])
    taken_by_objective = {}
    for kr in KeyResult.objects.using(db).order_by("id").iterator():
        taken = taken_by_objective.setdefault(kr.objective_id, set())
        kr.key = _unique(kr.title, taken)
        kr.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("okrs", "0003_okr_keys")]

    # Backwards: the keys simply go away with the column in 0003.
    operations = [migrations.RunPython(fill_keys, migrations.RunPython.noop)]
