"""Spelling Check: which words are flagged (``check``) and what is offered (``suggest``).

Seed: "Spelling Check" (seeds/002): ``happpppening`` is underlined and ``happening`` is
offered. Timings are measured by ``bench/spelling.py``; the only bound here is a generous
sanity one.
"""

from __future__ import annotations

import string
import threading
import time

import pytest

from domain import spelling
from domain.spelling import check, languages, suggest
from domain.spelling_index import DeleteIndex, deletes, osa_distance


@pytest.fixture(scope="module", autouse=True)
def english_index():
    """Build the English index once for the whole module (about 1-3 s)."""
    spelling.warm_up("en")


def flagged(text: str, language: str = "en", known=()) -> list[str]:
    found = check(text, language, known)
    for item in found:
        assert text[item.start:item.end] == item.word
    return [item.word for item in found]


# -- the seed's example -----------------------------------------------------------------------


def test_seed_example_is_flagged_and_happening_offered_first():
    text = "The misspelled word is happpppening, which is misspelled."
    found = check(text)
    assert [(m.word, m.start, m.end) for m in found] == [("happpppening", 23, 35)]
    assert suggest("happpppening")[0] == "happening"


def test_seed_example_capitalised_keeps_its_case():
    assert suggest("Happpppening")[0] == "Happening"
    assert suggest("HAPPPPPENING")[0] == "HAPPENING"


# -- what is not flagged --------------------------------------------------------------------


def test_correct_text_has_no_misspellings():
    assert flagged("Thank you for contacting us. We will call you back tomorrow.") == []


def test_empty_and_blank_text():
    assert check("") == []
    assert check("   \n\t ") == []
    assert check("!!! ... ??? -- ''") == []


def test_personal_dictionary_via_known_is_case_insensitive():
    text = "Your Zorblax order from Qwikmart is ready"
    assert flagged(text) == ["Zorblax", "Qwikmart"]
    assert flagged(text, known=["zorblax"]) == ["Qwikmart"]
    assert flagged(text, known={"ZORBLAX", "qwikMART"}) == []
    assert flagged("See you at QWIKMART", known=("Qwikmart",)) == []


def test_known_accepts_a_single_string():
    assert flagged("Zorblax", known="zorblax") == []


def test_words_with_digits_are_not_flagged():
    assert flagged("Your 2nd order A4B7 ships on the 3rd via xyz123 and user_id") == []
    assert flagged("COVID-19 rules for the mp3-playr") == []  # a compound with a digit


def test_urls_emails_and_phone_numbers_are_not_flagged():
    text = ("Track it at https://exmpl-shoppe.com/trakking/qwzx or www.zorbshop.io/abcd, "
            "mail helpdeskk@zorbmail.com or call +1 415 555 0100 or (415) 555-0199.")
    assert flagged(text) == []


def test_a_misspelling_next_to_a_link_is_still_flagged():
    text = "Pleese visit https://example.com/helpp today"
    assert flagged(text) == ["Pleese"]


def test_single_letters_are_not_flagged():
    assert flagged("Plan B or option x") == []


# -- apostrophes ------------------------------------------------------------------------------


def test_apostrophes_inside_words():
    assert flagged("I don't know, it's fine, we can't and won't") == []
    assert flagged("I don\u2019t know, it\u2019s fine") == []  # curly apostrophe
    assert flagged("Mr O'Neil likes rock 'n' roll") == []


def test_quotes_around_words_are_stripped():
    text = "She said 'hello' and \u2018goodbye\u2019 to the students' teacher"
    assert flagged(text) == []


def test_possessives_of_known_words():
    assert flagged("The customer's account and Zorblax's order", known=["zorblax"]) == []


def test_wrong_apostrophe_word_is_flagged_whole():
    text = "We did'nt see it"
    found = check(text)
    assert [(m.word, text[m.start:m.end]) for m in found] == [("did'nt", "did'nt")]


def test_apostrophe_suggestion():
    assert "don't" in suggest("dont")
    assert suggest("don\u2019tt")[0] == "don\u2019t"


# -- capitals ---------------------------------------------------------------------------------


def test_capitalised_known_words_are_fine_anywhere():
    assert flagged("Hello. Hello there, we fly to Paris on Monday") == []


def test_all_caps_known_words_are_fine():
    assert flagged("PLEASE CALL US TODAY") == []


def test_unknown_words_are_flagged_whatever_their_case():
    # The rule: capitals never make an unknown word acceptable, at a sentence start or in
    # the middle of one (a likely proper name goes to the agent's dictionary).
    assert flagged("Zorblax is here. I met Zorblax and ZORBLAX today") == [
        "Zorblax", "Zorblax", "ZORBLAX"]
    assert flagged("HELO there") == ["HELO"]


def test_mixed_case_word_is_checked_in_lower_case():
    assert flagged("Call McDonald about his iPhone") == []


# -- hyphens and offsets ----------------------------------------------------------------------


def test_hyphenated_words_are_checked_per_part():
    text = "A well-known and up-to-date wel-known zorb-related fact"
    found = check(text)
    assert [(m.word, m.start, m.end) for m in found] == [
        ("wel", 28, 31), ("zorb", 38, 42)]


def test_offsets_are_character_offsets():
    text = "\U0001f600 caf\u00e9 teh fianc\u00e9e recieve \U0001f44d\U0001f3fd thnks"
    found = check(text)
    assert [m.word for m in found] == ["teh", "recieve", "thnks"]
    for m in found:
        assert text[m.start:m.end] == m.word


def test_every_flagged_word_matches_its_slice_on_mixed_text():
    text = ("Hi John,\nyour ordr #4471 (see https://example.com/o/4471) is\u00a0redy. "
            "Qestions? help@example.com \u2014 thx!!")
    found = check(text)
    assert [m.word for m in found] == ["ordr", "redy", "Qestions", "thx"]
    for m in found:
        assert text[m.start:m.end] == m.word


# -- languages --------------------------------------------------------------------------------


def test_languages_lists_every_shipped_dictionary_default_first():
    found = languages()
    assert found[0] == ("en", "English (United States)")
    codes = [code for code, _ in found]
    assert {"en", "es", "fr", "de", "it", "pt", "nl", "ru"} <= set(codes)
    assert len(codes) == len(set(codes))
    assert ("es", "Spanish") in found and ("de", "German") in found


def test_language_codes_are_normalised_and_unknown_ones_refused():
    assert spelling.language_code("en-US") == "en"
    assert spelling.language_code("EN_us") == "en"
    assert spelling.language_code(None) == "en"
    with pytest.raises(ValueError):
        check("hola", "xx")


def test_spanish_words():
    assert flagged("Hola señor, el niño y una manzana para mañana", "es") == []
    assert flagged("Hola señor, una manzanna", "es") == ["manzanna"]
    assert flagged("El ni\u00f1o", "en") == ["ni\u00f1o"]  # not an English word


def test_french_words_with_elision():
    assert flagged("C'est l'\u00e9t\u00e9 et j'ai re\u00e7u la lettre aujourd'hui", "fr") == []
    assert flagged("Le chatt est noir", "fr") == ["chatt"]


def test_german_words_with_eszett_and_umlauts():
    assert flagged("Die Straße ist schön, Grüße aus München", "de") == []
    assert flagged("Die Strase ist schön", "de") == ["Strase"]


def test_decomposed_accents_are_one_word():
    text = "cafe\u0301 au lait"  # e + combining acute
    assert flagged(text, "fr") == []


def test_suggestions_in_other_languages():
    # One other index only (each takes seconds to build): Spanish.
    assert suggest("manzanna", "es")[0] == "manzana"
    assert suggest("Senor", "es")[0] == "Señor"  # a missing accent is a small error


def test_error_model_treats_accents_and_eszett_as_small_errors():
    from domain.spelling import error_cost

    assert error_cost("strase", "straße") < error_cost("strase", "strass")
    assert error_cost("senor", "señor") < error_cost("senor", "segor")
    assert error_cost("teh", "the") < error_cost("teh", "ten")
    assert error_cost("happening", "happening") == 0


def test_other_scripts_and_languages_load_lazily():
    assert flagged("Привет, как дела", "ru") == []
    assert "ru" in spelling.loaded_languages()


# -- suggest ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, expected", [
    ("recieve", "receive"),
    ("teh", "the"),
    ("acheive", "achieve"),
    ("seperate", "separate"),
    ("definately", "definitely"),
    ("tommorow", "tomorrow"),
    ("pleeeeease", "please"),
    ("internationalisaton", "internationalization"),
])
def test_common_misspellings(typed, expected):
    assert suggest(typed)[0] == expected


def test_suggestions_keep_the_case_pattern():
    assert suggest("HELO")[0] == "HELLO"
    assert suggest("Recieve")[0] == "Receive"
    assert all(s[0].isupper() for s in suggest("Thnks"))
    assert all(s.isupper() for s in suggest("THNKS"))


def test_limit_is_respected():
    assert len(suggest("helo", limit=3)) == 3
    assert len(suggest("helo", limit=1)) == 1
    assert suggest("helo", limit=0) == []
    assert len(suggest("helo")) == 5
    for word in ("helo", "recieve", "alot", "youre", "ois", "mape"):
        full = suggest(word, limit=10)
        assert [suggest(word, limit=k) for k in (1, 3)] == [full[:1], full[:3]]


def test_suggest_edge_cases():
    assert suggest("") == []
    assert suggest("   ") == []
    assert suggest("hello") == ["hello"]  # a known word is its own suggestion
    assert suggest("x" * 200) == []
    assert suggest("'recieve'")[0] == "receive"  # quotes and spaces around are dropped
    assert suggest(" Recieve, ")[0] == "Receive"


def test_suggest_returns_a_new_list_each_time():
    first = suggest("recieve")
    first.append("junk")
    assert "junk" not in suggest("recieve")


def test_garbage_words_answer_quickly():
    # Generous sanity bound (the benchmark measures the real figures): the default
    # pyspellchecker needs seconds here.
    words = ["qwzxkjhgfdsapoiuytrewqmnbvcxzl", "a" * 30, "zzzzzzzzzzqqqqqqqqqqxxxxxxxxxx",
             "".join(string.ascii_lowercase[(i * 7) % 26] for i in range(30))]
    for word in words:
        started = time.perf_counter()
        result = suggest(word)
        assert time.perf_counter() - started < 1.0
        assert isinstance(result, list)


# -- loading ----------------------------------------------------------------------------------


def test_warm_up_reports_sizes_and_times():
    info = spelling.warm_up("en")
    assert info["ready"] is True
    assert info["words"] > 100_000 and info["indexed_words"] > 100_000
    assert info["index_bytes"] > 0 and info["words_bytes"] > 0
    assert spelling.is_ready("en")


def test_dictionary_loads_once_under_concurrent_first_use():
    lang = spelling._Language("es")
    seen: list[int] = []

    def use():
        seen.append(id(lang.words))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1


def test_warm_up_in_background_builds_the_index():
    thread = spelling.warm_up_in_background("es")
    thread.join(timeout=60)
    assert spelling.is_ready("es")


# -- the index --------------------------------------------------------------------------------


def test_osa_distance():
    assert osa_distance("teh", "the", 2) == 1
    assert osa_distance("kitten", "sitting", 3) == 3
    assert osa_distance("kitten", "sitting", 2) == 3  # over the limit: limit + 1
    assert osa_distance("", "ab", 2) == 2
    assert osa_distance("same", "same", 0) == 0


def test_index_finds_every_word_within_distance_two():
    vocabulary = ["happening", "opening", "happen", "the", "then", "abcdefghij", "xyz"]
    index = DeleteIndex(vocabulary)
    for query in ["hapening", "teh", "abcdefghji", "bacdefghij", "xyzab", "zzzz", "a"]:
        expected = {w: osa_distance(query, w, 2) for w in vocabulary
                    if osa_distance(query, w, 2) <= 2}
        assert index.lookup(query) == expected


def test_deletes():
    assert deletes("abc", 1) == {"abc", "bc", "ac", "ab"}
    assert "" in deletes("ab", 2)
