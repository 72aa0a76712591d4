"""Output formats as the OpenStack clients print them."""

import json
import subprocess
import sys

import pytest

from tripleo_tui.formatting import Listing, Record, Text, cut, render, tags_cell

LISTING = Listing(("Name", "Tags", "Count"), (("alpha", "a, b", 3), ("beta", "<none>", 12)))


def test_cut_and_tags():
    assert cut("x" * 25) == "x" * 25
    assert cut("x" * 26) == "x" * 25 + "..."
    assert cut(None) is None
    assert tags_cell(()) == "<none>"
    assert tags_cell(("a", "b")) == "a, b"
    assert tags_cell(("tripleo-common-managed", "second")) == "tripleo-common-managed,\nsecond"


def test_table_listing():
    assert render(LISTING) == (
        "+-------+--------+-------+\n"
        "| Name  | Tags   | Count |\n"
        "+-------+--------+-------+\n"
        "| alpha | a, b   |     3 |\n"
        "| beta  | <none> |    12 |\n"
        "+-------+--------+-------+"
    )


def test_empty_list_is_one_row_of_empty_cells_as_mistral_6():
    """What cliff prints for mistralclient 6.x's empty list (`f()`: one row of '')."""
    table = render(Listing(("A", "B"), ()))
    assert table == "+---+---+\n| A | B |\n+---+---+\n|   |   |\n+---+---+"
    assert render(Listing(("A", "B"), ()), "json") == '[\n  {\n    "A": "",\n    "B": ""\n  }\n]'
    assert render(Listing(("A", "B"), ()), "value") == " "


def test_record_table_with_multiline_value():
    assert render(Record(("Name", "Error"), ("x", "one\ntwo"))) == (
        "+-------+-------+\n"
        "| Field | Value |\n"
        "+-------+-------+\n"
        "| Name  | x     |\n"
        "| Error | one   |\n"
        "|       | two   |\n"
        "+-------+-------+"
    )


def test_machine_formats_and_columns():
    assert json.loads(render(LISTING, "json", ["Count", "Name"])) == [
        {"Name": "alpha", "Count": 3},
        {"Name": "beta", "Count": 12},
    ]
    assert render(LISTING, "value", ["Name"]) == "alpha\nbeta"
    assert render(LISTING, "value") == "alpha a, b 3\nbeta <none> 12"
    assert render(Record(("A", "B"), (True, None)), "yaml") == "A: true\nB: null"
    assert json.loads(render(Record(("A", "B"), (True, None)), "json")) == {"A": True, "B": None}
    assert render(Record(("A", "B"), (1, 2)), "value", ["B"]) == "2"
    assert render(Text("raw"), "json") == "raw"


def test_unknown_columns():
    with pytest.raises(ValueError, match="No recognized column names in \\['Nope'\\]"):
        render(LISTING, "table", ["Nope"])


WIDTHS = """
import json, sys
{first}
from tripleo_tui.formatting import Listing, Record, default_options, render
narrow = default_options()
narrow.max_width = 30  # cells wrap
plain = render(Listing(("Name", "Count"), (("alpha", 3), ("beta", 12))))
plain += render(Record(("Name", "Note"), ("x", "one\\ntwo")))
ascii_only = "wcwidth" in sys.modules
wide = render(Listing(("Name", "Note"), (("\u65e5\u672c\u8a9e", "e\u0301t\u00e9"), ("a", "\\t"))))
wide += render(Record(("ID", "Info"), ("x", "\\x1b[31mred\\x1b[0m, a long line " * 3)))
wrapped = render(Record(("ID", "Info"), ("x", "a long line of words, " * 4)), options=narrow)
print(json.dumps([ascii_only, plain, wide, wrapped]))
"""


def rendered(first: str = "") -> list:
    done = subprocess.run(
        [sys.executable, "-c", WIDTHS.format(first=first)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_tables_of_plain_text_need_no_wcwidth_and_look_the_same():
    """ASCII cells are measured without importing wcwidth; wide, combining and escape
    characters and wrapping are wcwidth's own: every table the same as with wcwidth loaded."""
    ascii_only, *tables = rendered()
    assert not ascii_only
    wcwidth_loaded, *with_wcwidth = rendered("import wcwidth")
    assert wcwidth_loaded
    assert tables == with_wcwidth
    assert "| \u65e5\u672c\u8a9e |" in tables[1]
    assert "|       | long line of       |" in tables[2]
