import pytest

from aifi_legal.names import name_key, normal_text, same_name


@pytest.mark.parametrize(
    ("expected", "given"),
    [
        ("drs. Bart van 't Veld", "Bart van 't Veld"),
        ("drs. Bart van 't Veld", "B. van ’t Veld"),
        ("Ingrid Sønnesyn", "INGRID SØNNESYN"),
        ("Zoë Aït-Taleb", "Zoe\u0308 Ai\u0308t-Taleb"),  # NFD in the certificate
        ("mr. drs. Pieter-Jan Vos", "Pieter-Jan Vos MBA"),
    ],
)
def test_one_person_written_differently(expected, given):
    assert same_name(expected, given)


@pytest.mark.parametrize(
    ("expected", "given"),
    [
        ("drs. Bart van 't Veld", "Bart van Veld"),
        ("Jan Jansen", "J. J."),
        ("Jan Jansen", "Jan Janssen"),
        ("Jan Jansen", "Piet Jansen"),
        ("Jan Jansen", ""),
    ],
)
def test_another_person_or_no_name(expected, given):
    assert not same_name(expected, given)


def test_normal_forms():
    assert normal_text("Zoe\u0308  Ait") == "Zoë Ait"
    assert name_key("dr. A.B. de Vries") == ("a", "b", "de", "vries")
