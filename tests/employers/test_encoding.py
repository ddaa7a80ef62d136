"""Deciding an employer file's encoding: strict decoding plus plausible text."""

from __future__ import annotations

import pytest

from fairfollow.employers.encoding import check_bytes, check_delimiter, decode, implausible
from fairfollow.errors import EncodingError, SchemaError

HEADER = "applicant_id,name_kanji,name_kana,email\n"


def test_latin1_that_decodes_as_shift_jis_is_refused_naming_what_was_tried() -> None:
    data = (HEADER + "A1,Renée,RENEE,renee@example.com\n").encode("latin-1")
    data.decode("cp932")  # the trap: strict Shift_JIS decoding does not fail
    with pytest.raises(EncodingError) as caught:
        decode(data, "E1.csv")
    assert caught.value.code == "employers.encoding_implausible"
    assert caught.value.params["word"] and "utf8_offset" in caught.value.params


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_japanese_and_latin_names_are_plausible(encoding: str) -> None:
    text = HEADER + "A1,山田 太郎,ヤマダ タロウ,taro@example.jp\nA2,John Smith,ｼﾞｮﾝ,j@x.com\n"
    assert decode(text.encode(encoding), "E1.csv") == (text, encoding)


def test_private_use_and_control_characters_are_implausible() -> None:
    assert implausible("山田\ue000") == "山田\ue000"
    assert implausible("a\x07b") == "a\x07b"
    assert implausible("Tanaka 田中") is None


def test_nul_bytes_empty_files_and_the_size_cap_are_refused() -> None:
    with pytest.raises(EncodingError, match=r"employers\.nul_byte .*line=2"):
        check_bytes(b"a,b\n\x00c,d\n", "E1.csv")
    with pytest.raises(SchemaError, match=r"employers\.file_empty"):
        check_bytes(b"\xef\xbb\xbf\r\n", "E1.csv")
    with pytest.raises(SchemaError, match=r"employers\.file_too_large .*cap=10"):
        check_bytes(b"a,b\n" * 3, "E1.csv", max_bytes=10)


@pytest.mark.parametrize(("separator", "called"), [("\t", "tab"), (";", "semicolon")])
def test_a_wrong_delimiter_is_named(separator: str, called: str) -> None:
    with pytest.raises(SchemaError, match=rf"employers\.not_comma_separated .*'{called}'"):
        check_delimiter(separator.join(["applicant_id", "email"]), "E1.csv")
    check_delimiter("applicant_id,email", "E1.csv")


def test_the_first_implausible_word_is_named_whichever_rule_it_breaks() -> None:
    # Categories are checked once per distinct character: the word named must still be the
    # first one in the text, whether it breaks the category rule or the glued-scripts rule.
    assert implausible("山田 Renée漢 a\x07b") == "Renée漢"
    assert implausible("山田 a\x07b Renée漢") == "a\x07b"
    assert implausible("田中 Tanaka 田中\ue000 Tanaka") == "田中\ue000"
