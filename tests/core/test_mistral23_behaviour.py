"""Mistral 23 behaviour seen on the running service (mistral23-observed.md, "Observed later")
that the conductor matches: each case written from the described behaviour."""

from tests.core.rehearsal import Catalog, Rehearsal

ADHOC_STRING_RESULT = """
version: '2.0'
name: adhoc
actions:
  shout:
    base: std.echo
    base-input:
      output: <% $.word %>
    input:
      - word
    output: <% $.toUpper() %>
  first_two:
    base: std.echo
    base-input:
      output: [a, b, c]
    output: "{{ _[:2] }}"
workflows:
  run:
    tasks:
      loud:
        action: shout word="hey"
        publish:
          loud: <% task().result %>
        on-success: listed
      listed:
        action: first_two
        publish:
          listed: <% task().result %>
"""


def test_adhoc_output_reads_a_string_or_list_result_as_it_is():
    rehearsal = Rehearsal(Catalog().add_workbook(ADHOC_STRING_RESULT))
    execution = rehearsal.run("adhoc.run")
    assert execution.state == "SUCCESS", execution.state_info
    assert execution.output == {"loud": "HEY", "listed": ["a", "b"]}
