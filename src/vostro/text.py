"""Text every wire can carry: the text types of vostro's fields, one definition each.

A name, an end-to-end id or a reason typed into the API, the command line or an ISO 20022 message
ends up in pacs.002 and pacs.004 messages, camt.053 statements, log lines, the dashboard and a
terminal. Each of those refuses or misreads some characters: XML 1.0 cannot carry NUL or most
other C0 controls at all (lxml: "All strings must be XML compatible"), a terminal obeys ESC and
C1 sequences, a log line breaks on LF. So text is checked once, at the door, against the type
its field has, and refused with a sentence naming the character and where it is.

**Free text** (names, remittance information, reasons; ISO 20022 `Max35Text`, `Max140Text`...)
may hold any character of any script (Cyrillic and Devanagari names are the corridor's daily
business, with the joiners ZWJ/ZWNJ Devanagari needs), except:

* control characters: C0 (U+0000–U+001F, so also TAB, LF and CR: every field is one line), DEL
  and C1 (U+007F–U+009F);
* surrogates (U+D800–U+DFFF): halves of a UTF-16 pair, not characters, with no UTF-8 form;
* noncharacters (U+FDD0–U+FDEF and the last two code points of every plane, U+FFFE, U+FFFF,
  U+1FFFE... U+10FFFF), which Unicode reserves for internal use (The Unicode Standard, §23.7);
* the line and paragraph separators U+2028 and U+2029 (single-line fields);
* the bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069),
  which make a name display as something other than what it is ("Trojan Source",
  CVE-2021-42574): an operator deciding a sanctions hold must see the name as stored.

Everything allowed is an XML 1.0 `Char` (W3C XML 1.0, §2.2), so an accepted text always
serialises.

**Identifiers** (end-to-end ids, message ids, instruction and transaction ids, business message
ids) keep to the ISO 20022 restricted character set SWIFT calls "FIN-X", the set of the
`RestrictedFINXMax35Text` data type: `a-z A-Z 0-9 / - ? : ( ) . , ' +` and space (its pattern
is `[0-9a-zA-Z/\\-\\?:\\(\\)\\.,'\\+ ]{1,35}`), and to the rule CBPR+ usage guidelines carry
over from the MT reference fields it replaces (network validated rule T26 of SWIFT's FIN standards,
for fields 20 and 21): an identifier must not start or end with '/' and must not contain '//'.
Sources: the CBPR+ usage guidelines for pacs.008.001.08 on SWIFT MyStandards (EndToEndId, InstrId
and MsgId typed `CBPR_RestrictedFINXMax35Text`, with that textual rule), and the ISO 20022
`RestrictedFINXMax35Text` pattern as the published message definitions carry it. The guideline
itself is behind a MyStandards login; what is implemented here is the rule as it is published in
SWIFT's and implementers' public material, not a copy of the guideline.

Each type gives its JSON Schema `pattern` (the OpenAPI document shows it; a client can check
before it sends), and `problem()`, the same rule with a sentence. Text that comes from elsewhere
(rows stored before these checks, another system's message) is made safe where it leaves:
`for_xml` replaces what XML cannot carry with U+FFFD, `shown` writes control characters as
visible escapes for a terminal, and `json_escaped` escapes them in a JSON line.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

from vostro.errors import InvalidText

REPLACEMENT = "\ufffd"  # U+FFFD REPLACEMENT CHARACTER: what `for_xml` puts in a refused one's place

# The forbidden characters, as ranges of code points, each with what it is called in a refusal.
_ASTRAL_NONCHARACTERS = tuple(
    (plane << 16 | 0xFFFE, plane << 16 | 0xFFFF) for plane in range(1, 17)
)
FORBIDDEN_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0000, 0x001F, "a control character"),
    (0x007F, 0x009F, "a control character"),
    (0x2028, 0x2029, "a line or paragraph separator"),
    (0x202A, 0x202E, "a bidirectional embedding or override"),
    (0x2066, 0x2069, "a bidirectional isolate"),
    (0xD800, 0xDFFF, "a surrogate (half of a UTF-16 pair, not a character)"),
    (0xFDD0, 0xFDEF, "a noncharacter"),
    (0xFFFE, 0xFFFF, "a noncharacter"),
    *((low, high, "a noncharacter") for low, high in _ASTRAL_NONCHARACTERS),
)


def _class_ranges(*, surrogates: bool) -> str:
    """The forbidden ranges inside a regular expression's class, in a form Python's `re`,
    ECMA-262 (with the `u` flag) and Rust's `regex` all read: BMP code points as `\\uXXXX`
    escapes; the astral noncharacters as themselves (no escape syntax is common to all three).
    Surrogates only for Python: the other engines (and the JSON Schema validators built on
    them) reject a pattern naming them, and a JSON body cannot carry one to the API anyway (a
    lone `\\ud800` is refused as text before any pattern is looked at)."""
    parts = []
    for low, high, _ in FORBIDDEN_RANGES:
        if low == 0xD800 and not surrogates:
            continue
        if high <= 0xFFFF:
            parts.append(f"\\u{low:04x}-\\u{high:04x}")
        else:
            parts.append(f"{chr(low)}-{chr(high)}")
    return "".join(parts)


_FORBIDDEN_RE = re.compile(f"[{_class_ranges(surrogates=True)}]")
FREE_TEXT_PATTERN = f"^[^{_class_ranges(surrogates=False)}]*$"

# ISO 20022 restricted ("FIN-X") characters; `-` escaped, the rest literal in a class.
IDENTIFIER_CHARACTERS = "0-9A-Za-z\\-?:().,'+ "
_IDENTIFIER_CHARACTER_RE = re.compile(f"[{IDENTIFIER_CHARACTERS}/]")
# No lookaround (Rust's regex has none): a first character that is not '/', then characters
# each optionally preceded by one '/'. So no leading or trailing '/' and never '//'.
IDENTIFIER_PATTERN = f"^[{IDENTIFIER_CHARACTERS}](/?[{IDENTIFIER_CHARACTERS}])*$"
# The same set spelt out, for `str.strip` (the check every identifier passes: C speed).
_IDENTIFIER_SET = string.ascii_letters + string.digits + "/-?:().,'+ "
IDENTIFIER_SET_TEXT = "a-z A-Z 0-9 / - ? : ( ) . , ' + and space"


def forbidden(value: str) -> tuple[int, str, str] | None:
    """(position, character, what it is) of the first character free text may not hold."""
    if value.isprintable():
        # Every forbidden character is a control (Cc), a format character (Cf: the bidi
        # controls), a surrogate (Cs), unassigned (Cn: the noncharacters) or a line/paragraph
        # separator (Zl, Zp), all of which `isprintable` refuses: most text needs no more.
        return None
    found = _FORBIDDEN_RE.search(value)
    if found is None:
        return None
    character = found.group()
    point = ord(character)
    what = next(w for low, high, w in FORBIDDEN_RANGES if low <= point <= high)
    return found.start(), character, what


def describe(character: str) -> str:
    """`U+0000 NULL`, `U+00E4 LATIN SMALL LETTER A WITH DIAERESIS`: a character by its code point
    and Unicode name, never the character itself (which may be what a terminal must not see)."""
    name = unicodedata.name(character, "")
    if not name and ord(character) <= 0x9F:
        name = _CONTROL_NAMES.get(ord(character), "")
    return f"U+{ord(character):04X}" + (f" {name}" if name else "")


_CONTROL_NAMES = {0x00: "NULL", 0x09: "TAB", 0x0A: "LINE FEED", 0x0D: "CARRIAGE RETURN"} | {
    0x1B: "ESCAPE",
    0x7F: "DELETE",
}


@dataclass(frozen=True, slots=True)
class TextType:
    """One kind of text field: its ISO 20022 (or vostro) name, its length in characters (code
    points, as the XSD `maxLength` and JSON Schema count them), and its character set."""

    name: str
    max_chars: int
    min_chars: int = 0
    identifier: bool = False

    @property
    def pattern(self) -> str:
        """The JSON Schema `pattern` of this type (the length is `minLength`/`maxLength`): the
        whole rule for any text without surrogates (see `_class_ranges`)."""
        return IDENTIFIER_PATTERN if self.identifier else FREE_TEXT_PATTERN

    @property
    def description(self) -> str:
        if self.identifier:
            return (
                f"{self.name}: at most {self.max_chars} characters of the ISO 20022 restricted "
                f"set ({IDENTIFIER_SET_TEXT}); not starting or ending with '/', no '//'"
            )
        return (
            f"{self.name}: at most {self.max_chars} characters of any script; no control "
            "characters, surrogates, noncharacters, line separators or bidirectional overrides"
        )

    def problem(self, value: str) -> str | None:
        """Why `value` is not a text of this type, as a sentence; None if it is one."""
        if len(value) > self.max_chars:
            return f"is {len(value)} characters long; {self.name} holds at most {self.max_chars}"
        if len(value) < self.min_chars:
            return "must not be empty" if self.min_chars == 1 else f"is under {self.min_chars}"
        bad = forbidden(value)
        if bad is not None:
            at, character, what = bad
            return (
                f"holds {describe(character)}, {what}, at character {at + 1}: "
                f"{self.name} cannot carry it"
            )
        if self.identifier and not _is_identifier(value):
            return _identifier_problem(self.name, value)
        return None

    def valid(self, value: str) -> str:
        """`value` if it is a text of this type, else `InvalidText` (a `ValueError`) with the
        sentence; the field's name is for the caller to add."""
        problem = self.problem(value)
        if problem is not None:
            raise InvalidText(problem)
        return value

    def check(self, field: str, value: str | None) -> str | None:
        """`value` (None passes), or `InvalidText` naming `field`."""
        if value is None:
            return None
        problem = self.problem(value)
        if problem is not None:
            raise InvalidText(f"{field} {problem}")
        return value


def _is_identifier(value: str) -> bool:
    """`IDENTIFIER_PATTERN`, checked without a regular expression."""
    return (
        not value.strip(_IDENTIFIER_SET)
        and value[:1] != "/"
        and value[-1:] != "/"
        and "//" not in value
    )


def _identifier_problem(name: str, value: str) -> str:
    """Why `value`, which the identifier pattern refuses, is refused."""
    for at, character in enumerate(value):
        if not _IDENTIFIER_CHARACTER_RE.match(character):
            return (
                f"holds {describe(character)} at character {at + 1}, outside the ISO 20022 "
                f"restricted character set of {name} ({IDENTIFIER_SET_TEXT})"
            )
    if value.startswith("/") or value.endswith("/"):
        return f"starts or ends with '/', which {name} must not (CBPR+)"
    return f"contains '//', which {name} must not (CBPR+)"


# ----------------------------------------------------------------- the text types
# ISO 20022 free text (the base message definitions' MaxNText, at most N characters).
MAX16_TEXT = TextType("Max16Text", 16)
MAX35_TEXT = TextType("Max35Text", 35)
MAX105_TEXT = TextType("Max105Text", 105)  # AdditionalInformation of a status reason
MAX140_TEXT = TextType("Max140Text", 140)  # a party's name, unstructured remittance information
PARTY_NAME = MAX140_TEXT  # debtor and creditor names: empty when the sender gives none
PARTICIPANT_NAME = TextType("Max140Text", 140, min_chars=1)  # a participant's legal name
# vostro's own free text: the reason an operator or a participant gives (suspension, decision,
# return), kept in the audit log and sent as a pacs.004's AdditionalInformation (cut to 105).
REASON = TextType("Reason", 500, min_chars=1)
LABEL = TextType("Label", 64, min_chars=1)  # a key's label, a rate's source, a party identifier

# ISO 20022 identifiers, in the restricted character set (CBPR+).
END_TO_END_ID = TextType("EndToEndIdentification", 35, min_chars=1, identifier=True)
MESSAGE_ID = TextType("MessageIdentification", 35, min_chars=1, identifier=True)
INSTRUCTION_ID = TextType("InstructionIdentification", 35, min_chars=1, identifier=True)
TRANSACTION_ID = TextType("TransactionIdentification", 35, min_chars=1, identifier=True)
BUSINESS_MESSAGE_ID = TextType("BusinessMessageIdentifier", 35, min_chars=1, identifier=True)
QUOTE_ID = TextType("QuoteIdentification", 64, min_chars=1, identifier=True)  # vostro's FX quotes


# --------------------------------------------------------- text from elsewhere, made safe
def cleaned(value: str, replacement: str = REPLACEMENT) -> str:
    """`value` with every character free text may not hold replaced by `replacement` (U+FFFD
    unless said otherwise); the same length."""
    return _FORBIDDEN_RE.sub(replacement, value)


def for_xml(value: str | None, max_chars: int) -> str | None:
    """`value` as an outbound message may carry it, whatever it holds: every character free text
    may not hold replaced by U+FFFD, cut to `max_chars`. None (or empty) stays None. A last line
    of defence: what vostro accepts never needs it."""
    if not value:
        return None
    return cleaned(value)[:max_chars]


def shown(value: str) -> str:
    """`value` for a terminal or a log: each character free text may not hold written as a
    visible escape (`\\x1b`, `\\u202e`), so nothing in it can move the cursor, recolour the
    screen or reorder what is shown."""
    return value if value.isprintable() else _FORBIDDEN_RE.sub(_escape, value)


def _escape(found: re.Match[str]) -> str:
    point = ord(found.group())
    if point <= 0xFF:
        return f"\\x{point:02x}"
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"


def json_escaped(dumped: str) -> str:
    """A `json.dumps(..., ensure_ascii=False)` result with every character free text may not hold
    written as a JSON `\\u` escape (JSON escapes C0 itself, not C1, separators or overrides).
    Such characters only occur inside JSON strings, where the escape means the same text."""
    return _FORBIDDEN_RE.sub(_json_escape, dumped)


def _json_escape(found: re.Match[str]) -> str:
    point = ord(found.group())
    if point <= 0xFFFF:
        return f"\\u{point:04x}"
    point -= 0x10000
    return f"\\u{0xD800 | point >> 10:04x}\\u{0xDC00 | point & 0x3FF:04x}"
