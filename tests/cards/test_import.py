"""`manage.py import_holders`: what staff see after importing a USOS export."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest

from django.core.management import CommandError, call_command
from django.utils import translation

from cards.models import Card, CardEvent, CardState, Employment, Enrolment, Holder, Unit
from cards.selectors import holder_by_pesel
from cards.services import card_act

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
HEADER = ("unit_code,unit_name,album_number,first_name,last_name,pesel,card_kind,card_number,"
          "chip_serial")


@pytest.fixture(autouse=True)
def _english():
    """The assertions read the report's English labels."""
    with translation.override("en"):
        yield


def run_import(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_holders", str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_import(path, *args):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_holders", str(path), "--no-progress", *args, stdout=out, stderr=err)
    return raised.value, out.getvalue(), err.getvalue()


def counts_line(output, label):
    line = next(line for line in output.splitlines() if line.startswith(label))
    return [int(n) for n in line.split()[1:]]


def csv_file(tmp_path, *rows, header=HEADER, name="export.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_creates_units_holders_programmes_employments_and_cards():
    out, _err = run_import(DATA / "holders.csv")

    assert counts_line(out, "holders") == [4, 0, 1]  # Zofia's second row finds her
    assert counts_line(out, "cards") == [4, 0, 0]
    assert set(Unit.objects.values_list("code", flat=True)) == {"WMI", "WPiA", "SDNS"}
    zofia = Holder.objects.get(album_number="123456")
    assert (zofia.first_name, zofia.last_name, zofia.pesel) == ("Zofia", "Żółkiewska",
                                                                 "03251402001")
    programmes = {e.programme_code: e for e in zofia.enrolments.all()}
    assert programmes["INF-S1"].level == "first_cycle"  # "I stopnia"
    assert programmes["INF-S1"].status == "active"  # "aktywny"
    assert programmes["INF-S1"].next_completion_date == dt.date(2027, 2, 28)
    assert programmes["MAT-S2"].status == "graduated"  # "absolwent"
    lukasz = Holder.objects.get(album_number="123457")
    assert lukasz.enrolments.get().level == "uniform_master"
    card = Card.objects.get(number="ELS-2023-000777")
    assert card.issued_on == dt.date(2023, 10, 1)  # DD.MM.YYYY
    assert card.valid_until == dt.date(2026, 3, 31)
    assert card.state == CardState.ACTIVE
    assert list(card.events.values_list("action", "to_state", "source")) == [
        ("issue", "active", "import")]
    teacher = Holder.objects.get(employee_number="P-1001")
    job = Employment.objects.get(holder=teacher)
    assert (job.position, job.started_on, job.ended_on) == ("adiunkt", dt.date(2010, 10, 1), None)
    assert teacher.cards.get().kind == "ELN"


def test_second_run_changes_nothing():
    run_import(DATA / "holders.csv")
    events = CardEvent.objects.count()

    out, _err = run_import(DATA / "holders.csv")

    for label in ("units", "holders", "programmes", "employments", "cards"):
        created, updated, _unchanged = counts_line(out, label)
        assert (label, created, updated) == (label, 0, 0)
    assert counts_line(out, "cards") == [0, 0, 4]
    assert CardEvent.objects.count() == events
    assert Holder.objects.count() == 4


def test_bad_rows_are_reported_by_line_and_good_rows_kept():
    error, out, err = failing_import(DATA / "bad_rows.csv")

    assert error.returncode == 1
    reported = {int(line.split(":")[0].removeprefix("line ")): line for line in err.splitlines()}
    assert sorted(reported) == [3, 4, 5, 6, 7, 8]
    assert "PESEL" in reported[3]
    assert "podyplomowe" in reported[4]
    assert "2027-13-45" in reported[5]
    assert "ELS-2025-000001" in reported[6] and "another holder" in reported[6]
    assert "last_name" in reported[7]
    assert "XYZ" in reported[8]
    assert set(Holder.objects.values_list("album_number", flat=True)) == {"200001", "200008"}
    assert Card.objects.get(number="ELS-2025-000001").holder.album_number == "200001"
    # A refused row leaves nothing behind, not even the parts that were fine.
    assert not Enrolment.objects.filter(holder__album_number__in=["200003", "200004"]).exists()
    assert not Card.objects.filter(chip_serial="04FF00000002").exists()
    assert counts_line(out, "holders") == [2, 0, 0]


def test_header_without_required_columns_imports_nothing():
    error, _out, _err = failing_import(DATA / "missing_columns.csv")

    assert "last_name" in str(error) and "album_number" in str(error)
    assert not Unit.objects.exists()
    assert not Holder.objects.exists()


def test_dry_run_reports_but_writes_nothing():
    out, _err = run_import(DATA / "holders.csv", "--dry-run")

    assert counts_line(out, "holders") == [4, 0, 1]
    assert not Holder.objects.exists()
    assert not Card.objects.exists()
    assert not CardEvent.objects.exists()


def test_import_never_changes_an_existing_cards_state(deans_office):
    run_import(DATA / "holders.csv")
    card = Card.objects.get(number="ELS-2024-000101")
    card_act(card_id=card.pk, action="report_lost", actor=deans_office, source="web",
             note="Zgubiona w tramwaju")
    events = CardEvent.objects.count()

    out, err = run_import(DATA / "holders.csv")  # the file still says "active"

    card.refresh_from_db()
    assert card.state == CardState.LOST
    assert CardEvent.objects.count() == events
    assert "line 2: mismatch" in err and "lost" in err
    assert counts_line(out, "cards") == [0, 0, 4]


def test_card_data_owned_by_actions_is_reported_not_overwritten(tmp_path):
    first = csv_file(tmp_path, "WMI,Wydział Matematyki i Informatyki,400001,Anna,Nowak,,ELS,"
                               "ELS-1,04AA01", name="first.csv")
    run_import(first)
    changed = csv_file(tmp_path, "WMI,,400001,Anna,Nowak,,ELS,ELS-1,04BB02", name="second.csv")

    _out, err = run_import(changed)

    assert Card.objects.get(number="ELS-1").chip_serial == "04AA01"
    assert "line 2: mismatch" in err and "04BB02" in err


def test_a_different_identifier_for_a_known_holder_is_refused(tmp_path):
    run_import(DATA / "holders.csv")
    # Zofia's PESEL with someone else's album number: two people mixed up.
    path = csv_file(tmp_path, "WMI,,999999,Zofia,Żółkiewska,03251402001,,,")

    _error, _out, err = failing_import(path)

    assert "line 2" in err and "123456" in err
    assert holder_by_pesel("03251402001").album_number == "123456"


def test_semicolons_bom_and_polish_words(tmp_path):
    path = tmp_path / "usos.csv"
    path.write_text(
        "Unit code;Unit name;Album number;First name;Last name;Programme code;Programme name;"
        "Level;Enrolment status;Next completion date\n"
        "WFil;Wydział Filologiczny;500001;Małgorzata;Żądło;FIL-POL;Filologia polska;"
        "drugiego stopnia;skreślony;\n",
        encoding="utf-8-sig",
    )

    run_import(path, "--delimiter", ";")

    enrolment = Enrolment.objects.get(holder__album_number="500001")
    assert enrolment.unit.name == "Wydział Filologiczny"
    assert enrolment.holder.last_name == "Żądło"
    assert (enrolment.level, enrolment.status) == ("second_cycle", "removed")
    assert enrolment.next_completion_date is None
