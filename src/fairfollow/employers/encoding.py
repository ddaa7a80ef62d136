"""An employer file's bytes to text: the encoding, decided, never guessed (pure).

Japanese HR systems export UTF-8 (with or without BOM) or Shift_JIS (cp932). Each is tried
by **strict** decoding, and a Shift_JIS reading must also be *plausible*: a Latin-1 file
often decodes as Shift_JIS without error, but then its accented letters become kanji glued
to Latin letters (``Renée`` → ``Ren`` + a kanji) or land in the private-use area. A file
whose every reading fails says which encodings were tried and why
(:class:`~fairfollow.errors.EncodingError`).

Before decoding, a file is refused when it is empty, over the size cap, or holds NUL bytes
(a UTF-16 export, or binary data); after decoding, when its header line is not
comma-separated (a tab- or semicolon-separated export is named as such).
"""

from __future__ import annotations

import re
import unicodedata

from fairfollow.errors import EncodingError, SchemaError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # 20 MiB: some 200,000 applicant rows
BOM = b"\xef\xbb\xbf"
TRIED = ("utf-8", "cp932")

_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CJK_OR_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_WORD = re.compile(r"[^\s,;\t\"'()（）・/\-_.@]+")


def check_bytes(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse, before decoding, what no encoding makes a list of applicants."""
    if len(data) > max_bytes:
        raise SchemaError("employers.file_too_large", file=name, size=len(data), cap=max_bytes)
    if not data.strip(BOM + b" \t\r\n"):
        raise SchemaError("employers.file_empty", file=name)
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise EncodingError("employers.nul_byte", file=name, line=line, offset=nul)


def implausible(text: str) -> str | None:
    """The first word that is neither Japanese nor Latin text, or None if all are plausible."""
    # Categories are looked up once per distinct character, not once per character: a list of
    # 200,000 applicants holds millions of characters but a few thousand distinct ones.
    odd = {char for char in set(text) if _odd(char)}
    word: str
    for word in _WORD.findall(text):
        if odd and not odd.isdisjoint(word):
            return word
        # An ASCII word holds no kana or kanji, so it cannot glue the two scripts.
        if not word.isascii() and _LATIN_LETTER.search(word) and _CJK_OR_KANA.search(word):
            return word
    return None


def _odd(char: str) -> bool:
    """A private-use, unassigned, surrogate or control character (tab, CR, LF excepted)."""
    category = unicodedata.category(char)
    return category in ("Co", "Cn", "Cs") or (category == "Cc" and char not in "\t\r\n")


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text and the encoding: UTF-8 (BOM or not), else a plausible Shift_JIS (cp932)."""
    if data.startswith(BOM):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise EncodingError("employers.bom_not_utf8", file=name, offset=exc.start) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_offset = exc.start
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            "employers.encoding_unknown",
            file=name,
            utf8_offset=utf8_offset,
            cp932_offset=exc.start,
        ) from None
    word = implausible(text)
    if word is None:
        return text, "cp932"
    raise EncodingError(
        "employers.encoding_implausible", file=name, utf8_offset=utf8_offset, word=word
    )


def check_delimiter(header_line: str, name: str) -> None:
    """Refuse a header that is not comma-separated, naming the separator it uses."""
    if "," in header_line:
        return
    for separator, called in (("\t", "tab"), (";", "semicolon"), ("|", "pipe")):
        if separator in header_line:
            raise SchemaError("employers.not_comma_separated", file=name, separator=called)
