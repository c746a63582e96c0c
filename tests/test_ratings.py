"""Fact-checkers' own labels, read as our ratings: words not substrings, negation, qualifiers, scales,
visual labels, satire, and the languages of the world's fact-checkers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.interchange.claimreview.ratings import RatingReader, package_vocabulary, read_label
from factcheck.models import Rating

T, MT, MX, MS, MF, F, U = (
    "true",
    "mostly-true",
    "mixed",
    "misleading",
    "mostly-false",
    "false",
    "unproven",
)

# (language, label as an outlet publishes it, our rating)
LABELS = [
    # English: PolitiFact, The Washington Post, Snopes, Full Fact, AFP, Reuters, Africa Check, Lead Stories
    ("en", "True", T),
    ("en", "Mostly True", MT),
    ("en", "Half True", MX),
    ("en", "Mostly False", MF),
    ("en", "False", F),
    ("en", "Pants on Fire!", F),
    ("en", "Barely True", MF),
    ("en", "Four Pinocchios", F),
    ("en", "Three Pinocchios", MF),
    ("en", "Two Pinocchios", MX),
    ("en", "One Pinocchio", MT),
    ("en", "Geppetto Checkmark", T),
    ("en", "Mixture", MX),
    ("en", "Unproven", U),
    ("en", "Unfounded", U),
    ("en", "Miscaptioned", MS),
    ("en", "Misattributed", F),
    ("en", "Correct Attribution", T),
    ("en", "Labeled Satire", F),
    ("en", "Legend", U),
    ("en", "Scam", F),
    ("en", "Outdated", MS),
    ("en", "Research In Progress", U),
    ("en", "Inaccurate", F),
    ("en", "Untrue", F),
    ("en", "Not correct", F),
    ("en", "Not true", F),
    ("en", "This isn't true", F),
    ("en", "Incorrect", F),
    ("en", "Correct", T),
    ("en", "Mostly correct", MT),
    ("en", "Altered", F),
    ("en", "Manipulated", F),
    ("en", "Decontextualized", MS),
    ("en", "Missing context", MS),
    ("en", "Partly false", MX),
    ("en", "Misleading", MS),
    ("en", "Exaggerated", MS),
    ("en", "No evidence", U),
    ("en", "Fake", F),
    ("en", "Hoax", F),
    ("en", "Not entirely true", MX),
    ("en", "Satire", F),
    ("en", "Incorrect. The figure was 3.2% in 2019, not 5%.", F),
    ("en", "Correct, but this doesn't take account of inflation.", T),
    ("en", "There is no evidence that this is true.", U),
    ("en", "True, but misleading", MS),
    # English, descriptive and written glued: Africa Check, ABC Fact Check (RMIT ABC), Full Fact,
    # Fact-Check Ghana, VERA Files (docs/ratings.md lists the pages)
    ("en", "Exaggerates the number", MS),
    ("en", "Understated", MS),
    ("en", "Partlyfalse", MX),
    ("en", "Partlytrue", MX),
    ("en", "Not the full story", MS),
    ("en", "More to the story", MS),
    ("en", "Cherrypicking", MS),
    ("en", "Checks out", T),
    ("en", "Doesn't check out", F),
    ("en", "Doesn't stack up", F),
    ("en", "Nonsense", F),
    ("en", "Broadly correct", MT),
    ("en", "Roughly correct", MT),
    ("en", "Not far off", MT),
    ("en", "Not quite", MX),
    ("en", "EntirelyTrue", T),
    ("en", "MostlyTrue", MT),
    ("en", "HalfTrue", MX),
    ("en", "MostlyFalse", MF),
    ("en", "CompletelyFalse", F),
    ("en", "TrueButMisleading", MS),
    ("en", "Not verifiable", U),
    ("en", "No basis", U),
    # French: AFP Factuel, Les Décodeurs, Libération CheckNews
    ("fr", "Faux", F),
    ("fr", "Vrai", T),
    ("fr", "Plutôt vrai", MT),
    ("fr", "Plutôt faux", MF),
    ("fr", "Trompeur", MS),
    ("fr", "Manque de contexte", MS),
    ("fr", "Photo détournée", MS),
    ("fr", "Montage", F),
    ("fr", "Infondé", U),
    ("fr", "Partiellement faux", MX),
    ("fr", "C'est faux", F),
    ("fr", "Ce n'est pas vrai", F),
    ("fr", "Exagéré", MS),
    ("fr", "Inexact", F),
    ("fr", "Pas tout à fait vrai", MX),
    ("fr", "Démenti", F),
    ("fr", "Imprécis", MX),
    ("fr", "Mélangé", MX),
    # Spanish: Maldita, Newtral, Chequeado, Colombiacheck, EFE Verifica
    ("es", "Falso", F),
    ("es", "Verdadero", T),
    ("es", "Engañoso", MS),
    ("es", "Bulo", F),
    ("es", "Verdad a medias", MX),
    ("es", "Mayormente falso", MF),
    ("es", "Parcialmente falso", MX),
    ("es", "Sin pruebas", U),
    ("es", "Inchequeable", U),
    ("es", "Sacado de contexto", MS),
    ("es", "No es cierto", F),
    ("es", "Cierto, pero", T),
    ("es", "Exagerado", MS),
    ("es", "Falta contexto", MS),
    ("es", "Sátira", F),
    # Portuguese: Aos Fatos, Lupa, Polígrafo, Observador
    ("pt", "Falso", F),
    ("pt", "Verdadeiro", T),
    ("pt", "Impreciso", MX),
    ("pt", "Exagerado", MS),
    ("pt", "Contraditório", MX),
    ("pt", "Insustentável", U),
    ("pt", "Distorcido", MS),
    ("pt", "Enganoso", MS),
    ("pt", "Verdadeiro, mas", MT),
    ("pt", "Não é verdade", F),
    ("pt", "Montagem", F),
    ("pt", "Sem contexto", MS),
    # Italian: Pagella Politica, Facta, Open
    ("it", "Vero", T),
    ("it", "C'eri quasi", MT),
    ("it", "Nì", MX),
    ("it", "Pinocchio andante", F),
    ("it", "Panzana pazzesca", F),
    ("it", "Falso", F),
    ("it", "Fuorviante", MS),
    ("it", "Non è vero", F),
    ("it", "Parzialmente falso", MX),
    ("it", "Senza prove", U),
    # German: Correctiv, dpa, BR24 #Faktenfuchs, Mimikama
    ("de", "Falsch", F),
    ("de", "Größtenteils falsch", MF),
    ("de", "Größtenteils falsch. Die meisten Angaben stimmen, aber die Zahl nicht.", MF),
    ("de", "Teilweise falsch", MX),
    ("de", "Fehlender Kontext", MS),
    ("de", "Unbelegt", U),
    ("de", "Frei erfunden", F),
    ("de", "Manipuliert", F),
    ("de", "Falscher Kontext", MS),
    ("de", "Größtenteils richtig", MT),
    ("de", "Richtig", T),
    ("de", "Stimmt nicht", F),
    ("de", "Nicht richtig", F),
    ("de", "Irreführend", MS),
    ("de", "Halb wahr", MX),
    ("de", "Unwahr", F),
    # Dutch: Nieuwscheckers, Factcheck Vlaanderen, Knack
    ("nl", "Onwaar", F),
    ("nl", "Niet waar", F),
    ("nl", "Waar", T),
    ("nl", "Grotendeels waar", MT),
    ("nl", "Grotendeels onwaar", MF),
    ("nl", "Deels waar", MX),
    ("nl", "Misleidend", MS),
    ("nl", "Onbewezen", U),
    ("nl", "Klopt niet", F),
    ("nl", "Ontbrekende context", MS),
    # Polish: Demagog, Konkret24
    ("pl", "Prawda", T),
    ("pl", "Fałsz", F),
    ("pl", "FAŁSZ", F),
    ("pl", "Manipulacja", MS),
    ("pl", "Nieweryfikowalne", U),
    ("pl", "Częściowa prawda", MX),
    ("pl", "Nieprawda", F),
    # Czech: Demagog.cz, Manipulátoři
    ("cs", "Pravda", T),
    ("cs", "Nepravda", F),
    ("cs", "Zavádějící", MS),
    ("cs", "Neověřitelné", U),
    ("cs", "Částečně pravda", MX),
    # Croatian, Serbian, Bosnian: Faktograf, Istinomer, Raskrikavanje, Raskrinkavanje
    ("sh", "Netačno", F),
    ("sh", "Tačno", T),
    ("sh", "Djelimično tačno", MX),
    ("sh", "Netočno", F),
    ("sh", "Istina", T),
    ("sh", "Neistina", F),
    ("sh", "Poluistina", MX),
    ("sh", "Uglavnom istina", MT),
    ("sh", "Uglavnom neistina", MF),
    ("sh", "Manipulacija", MS),
    ("sh", "Nije tačno", F),
    ("sh", "Нетачно", F),
    ("sh", "Неутемељено", U),
    ("sh", "Lažna vijest", F),
    # Faktograf's scale, Istinomjer, Istinomer, Raskrinkavanje
    ("sh", "Fakt", T),
    ("sh", "Tri kvarta fakta", MT),
    ("sh", "Polufakt", MX),
    ("sh", "Ni pola fakta", MF),
    ("sh", "Ni F od fakta", F),
    ("sh", "Prijevara", F),
    ("sh", "Istinita", T),
    ("sh", "Neistinita", F),
    ("sh", "Većim dijelom istina", MT),
    ("sh", "Većim dijelom neistina", MF),
    ("sh", "Skoro neistina", MF),
    ("sh", "Zloupotreba činjenica", MS),
    ("sh", "Manipulisanje činjenicama", MS),
    ("sh", "Klikbejt", MS),
    ("sh", "Neproverivo", U),
    # Turkish: Teyit, Doğruluk Payı, Malumatfuruş
    ("tr", "Yanlış", F),
    ("tr", "YANLIŞ", F),
    ("tr", "Doğru", T),
    ("tr", "Karma", MX),
    ("tr", "Yanıltıcı", MS),
    ("tr", "Kanıtlanamadı", U),
    ("tr", "Çoğunlukla doğru", MT),
    ("tr", "Çoğunlukla yanlış", MF),
    ("tr", "Yarı doğru", MX),
    ("tr", "Doğru değil", F),
    ("tr", "Kısmen doğru", MX),
    # Greek: Ellinika Hoaxes, AFP Greece, Factual.gr
    ("el", "Ψευδές", F),
    ("el", "Αληθές", T),
    ("el", "Παραπλανητικό", MS),
    ("el", "Εν μέρει ψευδές", MX),
    ("el", "Ανακριβές", F),
    ("el", "Αναπόδεικτο", U),
    ("el", "Μη αληθές", F),
    ("el", "Ψευδή", F),
    ("el", "Ανακριβής", F),
    ("el", "Παραπλανητικός", MS),
    ("el", "Παραπλανητικά", MS),
    # Russian: Provereno, Factograph, The Insider Antifake
    ("ru", "Ложь", F),
    ("ru", "Неправда", F),
    ("ru", "Правда", T),
    ("ru", "Фейк", F),
    ("ru", "Манипуляция", MS),
    ("ru", "Частично правда", MX),
    ("ru", "Скорее ложь", MF),
    ("ru", "Не доказано", U),
    ("ru", "Это не так", F),
    ("ru", "Не соответствует действительности", F),
    # Ukrainian: StopFake, VoxCheck, Детектор медіа
    ("uk", "Фейк", F),
    ("uk", "Неправда", F),
    ("uk", "Маніпуляція", MS),
    ("uk", "Напівправда", MX),
    ("uk", "Перебільшення", MS),
    ("uk", "Не відповідає дійсності", F),
    ("uk", "Частково правда", MX),
    ("uk", "Без доказів", U),
    # Arabic: Fatabyyano, Misbar, Annahar, AFP عربي
    ("ar", "زائف", F),
    ("ar", "كاذب", F),
    ("ar", "صحيح", T),
    ("ar", "مضلل", MS),
    ("ar", "صحيح جزئياً", MX),
    ("ar", "غير صحيح", F),
    ("ar", "ليس صحيحاً", F),
    ("ar", "مُفبرك", F),
    ("ar", "ساخر", F),
    ("ar", "غير مؤكد", U),
    # Hindi: Vishvas News, BOOM Hindi, AFP हिंदी, Fact Crescendo
    ("hi", "झूठ", F),
    ("hi", "गलत", F),
    ("hi", "ग़लत", F),
    ("hi", "फर्जी", F),
    ("hi", "सच", T),
    ("hi", "सही", T),
    ("hi", "भ्रामक", MS),
    ("hi", "आंशिक रूप से सही", MX),
    ("hi", "सच नहीं", F),
    ("hi", "सही नहीं है", F),
    ("hi", "मिसलीडिंग", MS),
    ("hi", "संपादित", F),
    ("hi", "व्यंग्य", F),
    # Indonesian: Cek Fakta Tempo, Kompas, Turnbackhoax (Mafindo), Liputan6
    ("id", "Salah", F),
    ("id", "Keliru", F),
    ("id", "Benar", T),
    ("id", "Hoaks", F),
    ("id", "Menyesatkan", MS),
    ("id", "Sebagian benar", MX),
    ("id", "Tidak benar", F),
    ("id", "Tidak terbukti", U),
    ("id", "Konten yang Dimanipulasi", F),
    ("id", "Konteks yang Salah", MS),
    ("id", "[HOAKS] Cek Fakta: Video Banjir", F),
]


def test_the_table_is_large_and_wide() -> None:
    assert len(LABELS) >= 150
    assert len({language for language, _label, _rating in LABELS}) >= 15


@pytest.mark.parametrize(("language", "label", "expected"), LABELS, ids=[f"{lg}:{x}" for lg, x, _ in LABELS])
def test_real_labels(language: str, label: str, expected: str) -> None:
    reading = RatingReader().read(label)
    assert reading.rating.value == expected, f"{label!r} ({language}) read as {reading}"
    assert reading.understood


def test_words_not_substrings() -> None:
    # The old reader found "true" in "untrue", "right" in "copyright" and "false" in "falsehood".
    assert read_label("Copyright") is Rating.UNPROVEN
    assert read_label("Construed") is Rating.UNPROVEN
    assert read_label("Untrue") is Rating.FALSE
    assert read_label("Truest") is Rating.UNPROVEN


# Labels nothing explains, and labels whose meaning is in doubt: an outlet's catch-all, a scale step
# whose meaning we could not confirm, a family of categories, or a verdict of uncertain degree.
# They stay unproven and reported.
DOUBTFUL = [
    "Flip-flop",
    "Cuidado con esto",
    "",
    "   ",
    "🤔",
    "Checked",  # Africa Check: "multiple claims have been fact-checked"
    "Kratke noge",  # Istinomer: a step of its scale, meaning not confirmed
    "Dezinformacija",  # covers fake news, spin, clickbait and conspiracy theories alike
    "In the ballpark",  # ABC Fact Check: degree unclear
    "Fair call",
    "Flimsy",
    "Simplistic",
    "Presque",
    "Close to the mark",
    "Nedosledno",  # Istinomer rates consistency, not truth
    "Verify",  # factcheck.lk
    "Void",
]


@pytest.mark.parametrize("label", DOUBTFUL)
def test_unknown_and_doubtful_labels_are_unproven_and_reported(label: str) -> None:
    reading = RatingReader().read(label)
    assert reading.rating is Rating.UNPROVEN, f"{label!r} read as {reading}"
    assert not reading.understood


def test_glued_labels_are_whole_words_too() -> None:
    # "Partlyfalse" is one word, listed as such: it does not make substrings match.
    assert read_label("Partlyfalsehood") is Rating.UNPROVEN
    assert read_label("Checks outside") is Rating.UNPROVEN
    # Faktograf's "Ni F od fakta" is read as a whole, not as the Indonesian "fakta" (true)
    assert read_label("Ni F od fakta") is Rating.FALSE
    assert read_label("Nije fakt") is Rating.FALSE


def test_user_mappings_win_over_the_package() -> None:
    reader = RatingReader({"Cuidado con esto": Rating.MISLEADING, "Correct": Rating.MOSTLY_TRUE})
    assert reader.read("CUIDADO con esto!").rating is Rating.MISLEADING
    assert reader.read("Correct").rating is Rating.MOSTLY_TRUE
    assert reader.read("Falso").rating is Rating.FALSE


def test_package_vocabulary_is_consistent() -> None:
    vocabulary = package_vocabulary()  # raises on a phrase listed under two ratings, or a bare YAML boolean
    assert len(vocabulary.phrases) > 300
    assert ("not",) not in vocabulary.phrases


# Negations as the issue lists them, written independently of grammar.yaml; "after" ones follow the word.
NEGATIONS_BEFORE = [
    "not",
    "no",
    "non",
    "pas",
    "não",
    "nicht",
    "niet",
    "nie",
    "ne",
    "nije",
    "не",
    "ні",
    "δεν",
    "μη",
    "غير",
    "ليس",
    "tidak",
    "bukan",
    "never",
    "isn't",
    "n'est pas",
]
NEGATIONS_AFTER = ["nicht", "niet", "değil", "नहीं"]
PREFIXES = ["un", "in", "non", "ne", "не", "on", "nie"]
POSITIVE = [
    "true",
    "correct",
    "accurate",
    "right",
    "vrai",
    "exact",
    "verdadero",
    "cierto",
    "verdadeiro",
    "vero",
    "wahr",
    "richtig",
    "stimmt",
    "waar",
    "juist",
    "klopt",
    "prawda",
    "pravda",
    "tačno",
    "istina",
    "istinita",
    "fakt",
    "doğru",
    "αληθές",
    "правда",
    "верно",
    "правдиво",
    "صحيح",
    "सच",
    "सही",
    "benar",
]
FILLER = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "mostly",
                "partly",
                "half",
                "plutôt",
                "largely",
                "größtenteils",
                "true",
                "correct",
                "the",
                "claim",
                "is",
                "misleading",
                "false",
                "entirely",
                "quite",
                ".",
                ",",
                "but",
                "evidence",
            ]
        ),
        st.text(max_size=8),
    ),
    max_size=4,
).map(" ".join)


@st.composite
def negated_labels(draw: st.DrawFn) -> str:
    positive = draw(st.sampled_from(POSITIVE))
    form = draw(st.sampled_from(["before", "after", "prefix"]))
    if form == "before":
        core = f"{draw(st.sampled_from(NEGATIONS_BEFORE))} {positive}"
    elif form == "after":
        core = f"{positive} {draw(st.sampled_from(NEGATIONS_AFTER))}"
    else:
        core = draw(st.sampled_from(PREFIXES)) + positive
    core = draw(st.sampled_from([core, core.upper(), core.title()]))
    return f"{draw(FILLER)} {core} {draw(FILLER)}"


@settings(max_examples=400, deadline=None)
@given(negated_labels())
def test_a_negated_positive_word_is_never_read_as_true(label: str) -> None:
    assert read_label(label) not in (Rating.TRUE, Rating.MOSTLY_TRUE), label
