"""Personal data is masked before staff see a message; ordinary questions stay as they are.
The known words are the real vocabulary: the NLU training data and the knowledge."""

from __future__ import annotations

import pytest

from bot.curation.documents import Tree, read_tree
from bot.curation.examples import nlu_examples
from bot.curation.masking import PLACEHOLDERS, knowledge_words, mask, vocabulary
from bot.kb.model import Knowledge
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def known(knowledge: Knowledge) -> frozenset[str]:
    docs = read_tree(Tree.under(PROJECT_ROOT))
    return vocabulary(nlu_examples(docs), knowledge_words(knowledge))


@pytest.mark.parametrize(("text", "expected"), [
    ("Ruf mich an: +49 211 123456", "Ruf mich an: [PHONE]"),
    ("Meine Nummer ist 0211/8921234.", "Meine Nummer ist [PHONE]."),
    ("0176 12345678 ist meine Handynummer", "[PHONE] ist meine Handynummer"),
    ("call me on +49 176 1234 5678 please", "call me on [PHONE] please"),
    ("رقم أخي 00963 944 123 456", "رقم أخي [PHONE]"),
    ("رقمي ٠١٧٦١٢٣٤٥٦٧٨", "رقمي [PHONE]"),
    ("(0211) 89 21234 tagsüber", "[PHONE] tagsüber"),
])
def test_phone_numbers(known: frozenset[str], text: str, expected: str) -> None:
    assert mask(text, known) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("schreib an ahmad.hassan@gmail.com bitte", "schreib an [EMAIL] bitte"),
    ("my mail: j.smith+lotse@example.co.uk", "my mail: [EMAIL]"),
    ("بريدي sara_1990@hotmail.com", "بريدي [EMAIL]"),
])
def test_email_addresses(known: frozenset[str], text: str, expected: str) -> None:
    assert mask(text, known) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("IBAN DE89 3704 0044 0532 0130 00 bitte", "IBAN [IBAN] bitte"),
    ("meine iban ist DE89370400440532013000", "meine iban ist [IBAN]"),
    ("GB82 WEST 1234 5698 7654 32 is my account", "[IBAN] is my account"),
    ("IBAN: de89 3704 0044 0532 0130 00 IBAN", "IBAN: [IBAN] IBAN"),
])
def test_ibans(known: frozenset[str], text: str, expected: str) -> None:
    assert mask(text, known) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("geboren am 12.03.1990", "geboren am [DATE]"),
    ("born 1990-03-12, or 12/03/1990", "born [DATE], or [DATE]"),
    ("Geburtsdatum: 12. März 1990", "Geburtsdatum: [DATE]"),
    ("date of birth March 12, 1990", "date of birth [DATE]"),
    ("تاريخ ميلادي 12 مارس 1990", "تاريخ ميلادي [DATE]"),
])
def test_dates(known: frozenset[str], text: str, expected: str) -> None:
    assert mask(text, known) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Ich wohne in der Kölner Straße 12a", "Ich wohne in der [ADDRESS]"),
    ("Am Wehrhahn 12, 40211 Düsseldorf", "[ADDRESS], 40211 Düsseldorf"),
    ("I live at Graf-Adolf-Str. 15 in Bilk", "I live at [ADDRESS] in Bilk"),
    ("wohne Königsallee 1-3", "wohne [ADDRESS]"),
    ("meine adresse: kölner strasse 7", "meine adresse: [ADDRESS]"),
    ("An der Icklack 5 wohnt mein Bruder", "[ADDRESS] wohnt mein Bruder"),
    ("أسكن في Kölner Straße 12", "أسكن في [ADDRESS]"),
    ("I live at 12 Baker Street", "I live at [ADDRESS]"),
    ("عنواني شارع الملك فيصل 12", "عنواني [ADDRESS]"),
])
def test_street_addresses(known: frozenset[str], text: str, expected: str) -> None:
    assert mask(text, known) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Mein Name ist Ahmad Al-Hassan", "Mein Name ist [NAME]"),
    ("mein name ist ahmad", "mein name ist [NAME]"),
    ("Ich heiße Maria von Stein und brauche Hilfe", "Ich heiße [NAME] und brauche Hilfe"),
    ("Hallo, ich bin Ahmad und brauche Hilfe", "Hallo, ich bin [NAME] und brauche Hilfe"),
    ("my name is John Smith and I need help", "my name is [NAME] and I need help"),
    ("Hi, this is Olena. Where is the Welcome Point?",
     "Hi, this is [NAME]. Where is the Welcome Point?"),
    ("I'm Tariq", "I'm [NAME]"),
    ("Termin bei Frau Müller im Jobcenter", "Termin bei Frau [NAME] im Jobcenter"),
    ("Dr. Schneider sagt, ich brauche eine Überweisung",
     "Dr. [NAME] sagt, ich brauche eine Überweisung"),
    ("Where can I find a Kita for my daughter Amira?",
     "Where can I find a Kita for my daughter [NAME]?"),
    ("Ahmad Al-Hassan hier, ich brauche einen Termin", "[NAME] hier, ich brauche einen Termin"),
    ("Danke!\nViele Grüße\nFatima", "Danke!\nViele Grüße\n[NAME]"),
    ("Fatima", "[NAME]"),
    ("Yusuf braucht einen Kitaplatz", "[NAME] braucht einen Kitaplatz"),
    ("from Syria, my son Yusuf needs a school", "from Syria, my son [NAME] needs a school"),
    ("Meine Frau Fatima ist krank", "Meine Frau [NAME] ist krank"),
    ("اسمي أحمد", "اسمي [NAME]"),
    ("أنا اسمي محمد", "أنا اسمي [NAME]"),
    ("اسمي هو محمد علي وأنا من سوريا", "اسمي هو [NAME] وأنا من سوريا"),
    ("أنا أحمد من سوريا", "أنا [NAME] من سوريا"),
    ("اسمي John", "اسمي [NAME]"),
])
def test_names(known: frozenset[str], text: str, expected: str) -> None:
    assert mask(text, known) == expected


def test_everything_at_once(known: frozenset[str]) -> None:
    text = ("Hallo, mein Name ist Ahmad Al-Hassan, ich wohne in der Kölner Straße 12a, "
            "Tel. 0176 12345678, ahmad@example.org, geboren 12.03.1990, "
            "IBAN DE89 3704 0044 0532 0130 00, Aktenzeichen 123 456 789.")
    masked = mask(text, known)
    assert masked == ("Hallo, mein Name ist [NAME], ich wohne in der [ADDRESS], "
                      "Tel. [PHONE], [EMAIL], geboren [DATE], "
                      "IBAN [IBAN], Aktenzeichen [NUMBER].")
    for secret in ("Ahmad", "Hassan", "Kölner", "12345678", "example", "1990", "3704", "456"):
        assert secret not in masked


@pytest.mark.parametrize("text", [
    "Wie melde ich mich in Düsseldorf an?",
    "Where is the Ausländerbehörde?",
    "أين مكتب الأجانب؟",
    "Ich wohne in Bilk, PLZ 40210",
    "Wohnung in Pempelfort gesucht, 40479",
    "Wann hat das Bürgerbüro in Eller geöffnet?",
    "Was kostet der Rundfunkbeitrag?",
    "Where is the Welcome Point in Gohlis?",
    "Kann ich mit dem Deutschlandticket nach Köln fahren?",
    "Ich suche einen B1 Kurs bei der VHS",
    "Ich bin Lehrer aus Syrien, darf ich hier arbeiten?",
    "I am Syrian and need a residence permit",
    "Guten Tag, ich bin neu in Leipzig",
    "ich bin krankenschwester, darf ich hier arbeiten",
    "Im Januar 2024 bin ich angekommen",
    "Ich habe 2 Kinder, 5 und 7 Jahre alt",
    "انا جديد في دوسلدورف",
    "بسبب اسمي ما حدا بيرد على طلبات الشقق",
    "كيف أسجل عنواني في لايبزيغ؟",
    "Wo ist das Jobcenter in Leipzig-Grünau?",
    "Meine Frau ist schwanger, was muss ich machen?",
    "Kindergeld",
    "Zwangsräumung droht, was tun?",
    "meine frau weint jeden tag",
    "Ich komme aus Eritrea, mein Mann aus Afghanistan",
])
def test_ordinary_questions_stay(known: frozenset[str], text: str) -> None:
    assert mask(text, known) == text


def test_placeholders_are_language_neutral() -> None:
    assert all(p.startswith("[") and p.isupper() for p in PLACEHOLDERS)
    assert mask("", frozenset()) == ""


def test_vocabulary_is_lower_case_and_folded() -> None:
    words = vocabulary(["Wo ist die Ausländerbehörde?"], ["Düsseldorf-Bilk"])
    assert {"ausländerbehörde", "auslanderbehorde", "düsseldorf-bilk", "bilk"} <= words
    assert all(w == w.lower() for w in words)
    assert mask("Hallo Bilk und Hassan", words) == "Hallo Bilk und [NAME]"
