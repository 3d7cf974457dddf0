"""GB 11643 parsing: every cleaning rule, every reason code, and the typo guarantees."""
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse import identity
from warehouse.identity import check_digit, clean, make_id, parse

BORN = dt.date(1990, 3, 7)
ID = make_id("500230", BORN, 12, male=True)  # a valid synthetic ID
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")


def test_make_id_builds_a_valid_id_with_its_parts():
    p = parse(ID)
    assert p.status == identity.OK and p.valid
    assert (p.value, p.region, p.birth_date, p.sex) == (ID, "500230", BORN, "男")
    assert parse(make_id("500230", BORN, 12, male=False)).sex == "女"


def test_check_digit_known_values():
    # The GB 11643 standard's own example number and a body whose check character is X.
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"


@pytest.mark.parametrize(
    "cell",
    [
        pytest.param(lambda i: i.translate(FULLWIDTH), id="full-width digits"),
        pytest.param(lambda i: f" {i[:6]} {i[6:14]}\u3000{i[14:]} ", id="spaces"),
        pytest.param(lambda i: f"'{i}", id="excel text apostrophe"),
        pytest.param(lambda i: f"{i}.0", id="trailing .0"),
    ],
)
def test_cleaning_keeps_the_id(cell):
    assert parse(cell(ID)).value == ID


def test_lowercase_x_is_read_as_check_character():
    body = "11010519491231002"
    x_id = body + check_digit(body)
    assert x_id.endswith("X")
    assert parse(x_id.lower()).value == x_id
    assert parse(x_id.lower().translate(FULLWIDTH)).value == x_id


def test_15_digit_id_is_upgraded():
    old = ID[:6] + ID[8:17]  # drop the century and the check character
    p = parse(old)
    assert p.status == identity.UPGRADED_15 and p.valid
    assert p.value == ID[:17] + check_digit(ID[:17]) == ID
    assert p.raw_length == 15
    assert p.birth_date == BORN


def test_numbers_from_spreadsheets():
    assert clean(float("nan")) == "" and parse(float("nan")).status == identity.BLANK
    assert parse(int(ID[:6] + ID[8:17])).status == identity.UPGRADED_15
    assert parse(float(ID[:6] + ID[8:17])).status == identity.UPGRADED_15
    assert parse(float("inf")).status == identity.BAD_CHARS
    assert parse(float("-inf")).status == identity.BAD_CHARS


@pytest.mark.parametrize("cell", [None, "", "   ", "\u3000", "nan", "None", "NULL"])
def test_blank(cell):
    assert parse(cell).status == identity.BLANK


def with_check(body17: str) -> str:
    """A body with its correct check character: only the region or date is wrong."""
    return body17 + check_digit(body17)


@pytest.mark.parametrize(
    "cell, reason",
    [
        (ID[:10] + "-" + ID[11:], identity.BAD_CHARS),
        ("身份证" + ID, identity.BAD_CHARS),
        (ID[:17] + "Y", identity.BAD_CHARS),
        ("\u0661" * 18, identity.BAD_CHARS),  # Arabic-Indic digits are digits, not ID digits
        ("\u00b2" * 15 + "000", identity.BAD_CHARS),  # superscripts pass str.isdigit()
        (ID[:17], identity.BAD_LENGTH),
        (ID + "1", identity.BAD_LENGTH),
        ("12345", identity.BAD_LENGTH),
        (with_check("0" + ID[1:17]), identity.BAD_REGION),
        (with_check("99" + ID[2:17]), identity.BAD_REGION),
        (with_check(ID[:10] + "13" + ID[12:17]), identity.BAD_DATE),  # month 13
        (with_check(ID[:10] + "0230" + ID[14:17]), identity.BAD_DATE),  # 30 February
        (with_check(ID[:6] + "2999" + ID[10:17]), identity.BAD_DATE),  # born in the future
        (with_check(ID[:6] + "1850" + ID[10:17]), identity.BAD_DATE),
    ],
)
def test_reason_codes(cell, reason):
    p = parse(cell)
    assert p.status == reason and not p.valid and p.value is None


def test_bad_checksum_keeps_region_and_digits():
    wrong = ID[:17] + ("0" if ID[17] != "0" else "1")
    p = parse(wrong)
    assert p.status == identity.BAD_CHECKSUM
    assert (p.region, p.partial, p.birth_date, p.sex) == ("500230", wrong, None, None)


@pytest.mark.parametrize("cell", ["1.10101E+17", "1.10101e+17", "5.00230199003E+17", 1.10101e17])
def test_excel_scientific_notation(cell):
    p = parse(cell)
    assert p.status == identity.EXCEL_PRECISION and p.value is None
    assert p.region == clean(cell).replace(".", "")[:6]


def test_excel_last_three_digits_zeroed():
    lost = ID[:15] + "000"
    assert check_digit(lost[:17]) != "0", "pick an ID whose zeroed form fails its check"
    p = parse(lost)
    assert p.status == identity.EXCEL_PRECISION
    assert (p.region, p.birth_date, p.partial) == ("500230", BORN, ID[:15])
    assert parse(float(lost)).status == identity.EXCEL_PRECISION


def valid_id_ending_000() -> str:
    """A valid synthetic ID whose last three characters are 000 (Excel's zeroed look)."""
    days = (BORN + dt.timedelta(days=n) for n in range(400))
    ids = (make_id("500230", d, seq, male=False) for d in days for seq in range(0, 100, 10))
    return next(i for i in ids if i.endswith("000"))


def test_a_valid_id_ending_in_000_is_not_mistaken_for_excel_loss():
    assert parse(valid_id_ending_000()).valid


VALID_IDS = st.builds(
    make_id,
    st.sampled_from(["500230", "110105", "440524", "632801"]),
    st.dates(dt.date(1920, 1, 1), dt.date(2024, 12, 31)),
    st.integers(0, 499),
    st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(VALID_IDS)
def test_every_single_substitution_and_adjacent_swap_fails_the_check(valid):
    assert parse(valid).valid
    for typo in identity_typos(valid):
        assert not parse(typo).valid, "a typo passed as valid"


def identity_typos(valid: str) -> list[str]:
    """Every one-digit substitution and every swap of two unequal adjacent digits."""
    out = []
    for i, c in enumerate(valid):
        out += [valid[:i] + d + valid[i + 1:] for d in "0123456789" if d != c]
    for i in range(17):
        a, b = valid[i], valid[i + 1]
        if a != b and a.isdigit() and b.isdigit():
            out.append(valid[:i] + b + a + valid[i + 2:])
    return out


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.floats(), st.none()))
def test_parse_never_raises_and_is_consistent(cell):
    p = parse(cell)
    assert p.status in {
        identity.OK, identity.UPGRADED_15, identity.BLANK, identity.BAD_CHARS,
        identity.BAD_LENGTH, identity.BAD_REGION, identity.BAD_DATE, identity.BAD_CHECKSUM,
        identity.EXCEL_PRECISION,
    }
    assert (p.value is not None) == p.valid
    if p.valid:
        assert p.value.isascii() and check_digit(p.value[:17]) == p.value[17]
    assert clean(clean(cell)) == clean(cell)


def test_excel_scientific_ids_are_precision_loss_and_usable_only_with_enough_digits():
    short = identity.parse("5.00230E+16")  # an 18-digit ID short of a digit, as a number
    assert short.status == identity.EXCEL_PRECISION and not identity.usable(short)
    six = identity.parse("1.10101E+17")
    assert six.status == identity.EXCEL_PRECISION and six.region == "110101"
    assert not identity.usable(six)
    rid = identity.make_id("500230", dt.date(1986, 3, 12), 7, True)
    assert identity.usable(identity.parse(rid))
    assert identity.usable(identity.parse(rid[:6] + "9" + rid[7:]))  # bad date, digits survive
    assert not identity.usable(identity.parse(""))
