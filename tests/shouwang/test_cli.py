"""The `shouwang` command speaks to operators in one line; `-v` adds the traceback."""
import datetime as dt
import socket

from sqlalchemy.exc import IntegrityError

from shouwang.cli import main, unexpected
from warehouse.identity import make_id


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_unreachable_warehouse_is_one_line_with_what_to_do(home, capsys):
    url = f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/warehouse"
    assert main(["--warehouse", url, "init"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("shouwang: error: ")
    assert "not reachable" in lines[0] and "SHOUWANG_WAREHOUSE" in lines[0]


def test_verbose_shows_the_traceback(home, capsys):
    url = f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/warehouse"
    assert main(["-v", "--warehouse", url, "init"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().splitlines()[-1].startswith("shouwang: error: ")


def test_a_database_error_never_shows_its_parameters():
    rid = make_id("500230", dt.date(1980, 5, 17), 42, True)
    error = IntegrityError("INSERT INTO persons (id_masked) VALUES (:m)", {"m": rid},
                           Exception(f"UNIQUE constraint failed: persons.uid ({rid})"))
    line = unexpected(error)
    assert rid not in line and "IntegrityError" not in line  # the driver's error, not the wrapper
    assert line.startswith("Exception: UNIQUE constraint failed") and rid[-4:] in line
    assert "send the output" in line
