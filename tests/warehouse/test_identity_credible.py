"""Birth date and sex of a mistyped ID: kept only where check digit and calendar make them credible."""
import datetime as dt

from warehouse import identity
from warehouse.identity import credible_parts, make_id, parse

BORN = dt.date(1986, 3, 25)
ID = make_id("500230", BORN, 17, male=True)  # 500230 19860325 ...


def _typed(rid: str, pos: int, digit: str) -> str:
    return rid[:pos] + digit + rid[pos + 1:]


def _swapped(rid: str, i: int) -> str:
    return rid[:i] + rid[i + 1] + rid[i] + rid[i + 2:]


def test_an_impossible_date_holds_the_typo_so_the_check_digit_recovers_it():
    wrong = _typed(ID, 10, "2")  # 1986-23-25 cannot be
    parsed = parse(wrong)
    assert parsed.status == identity.BAD_DATE and parsed.birth_date is None
    assert credible_parts(parsed) == (BORN, "男")  # the one reading that passes the check


def test_a_swap_inside_the_date_that_reads_as_a_date_is_not_credible():
    wrong = _swapped(ID, 8)  # 19860325 -> 19680325: still a date
    parsed = parse(wrong)
    assert parsed.status == identity.BAD_CHECKSUM
    born, _ = credible_parts(parsed)
    assert born is None


def test_a_typo_in_the_order_digits_keeps_the_written_date():
    wrong = _typed(ID, 14, str((int(ID[14]) + 1) % 10))
    parsed = parse(wrong)
    assert parsed.status == identity.BAD_CHECKSUM
    born, sex = credible_parts(parsed)
    assert born == BORN and sex == "男"


def test_many_typos_give_credible_dates_that_are_right_or_one_digit_off():
    """Over every single-digit typo and adjacent swap of many IDs, a credible date is the true
    one or one written digit away (a typo inside a date that still reads as one), never more."""
    for seq in range(40):
        born = BORN + dt.timedelta(days=97 * seq)
        rid = make_id("500230", born, seq, male=seq % 2 == 0)
        mangled = {_typed(rid, p, d) for p in range(6, 17) for d in "0123456789"}
        mangled |= {_swapped(rid, i) for i in range(6, 16)}
        for text in mangled - {rid}:
            parsed = parse(text)
            if parsed.valid or parsed.status not in (identity.BAD_DATE, identity.BAD_CHECKSUM):
                continue
            got, _ = credible_parts(parsed)
            if got is not None:
                off = sum(a != b for a, b in zip(got.strftime("%Y%m%d"), born.strftime("%Y%m%d")))
                assert off <= 1, (text, got, born)
            if parsed.status == identity.BAD_DATE and got is not None:
                assert got == born


def test_nothing_from_ids_that_are_not_a_mistyped_18_digit_number():
    for cell in ("", "5.00230E+17", "50023019860325", ID):
        assert credible_parts(parse(cell)) == (None, None)
