"""What is shown never holds a secret: values under secret-looking keys, copies of secret
values, password patterns in text (engine.masking)."""

from oslo_utils import strutils

from engine.api import ActionExecutionRecord
from engine.masking import (
    MASK,
    OSLO_SECRET_WORDS,
    mask_record,
    mask_secrets,
    mask_text,
    secret_values,
)


def test_secret_keys_are_masked_at_any_depth():
    value = {
        "nodes": [{"name": "n1", "ipmi_password": "pw1", "driver_info": {"ipmi_Password": "pw2"}}],
        "OS_AUTH_TOKEN": "tok",
        "ssh_private_key": "-----BEGIN",
        "client_secret": {"nested": "whole value hidden"},
        "plain": "shown",
    }
    assert mask_secrets(value) == {
        "nodes": [{"name": "n1", "ipmi_password": MASK, "driver_info": {"ipmi_Password": MASK}}],
        "OS_AUTH_TOKEN": MASK,
        "ssh_private_key": MASK,
        "client_secret": MASK,
        "plain": "shown",
    }
    assert value["OS_AUTH_TOKEN"] == "tok"  # a copy: the original is left alone


def test_empty_secrets_and_other_values_stay_as_they_are():
    assert mask_secrets({"password": None, "token": ""}) == {"password": None, "token": ""}
    assert mask_secrets(["password", 1, None]) == ["password", 1, None]
    assert mask_secrets("password") == "password"
    assert mask_secrets({1: "one"}) == {1: "one"}


def test_copies_of_secret_values_are_masked_wherever_they_appear():
    given = {"admin_password": "pw-Sekret", "user": "admin", "env": {"ipmi_passwd": "abc"}}
    secrets = secret_values(given)
    assert secrets == {"pw-Sekret", "abc"}
    published = {"copy": "pw-Sekret", "auth": "admin:pw-Sekret", "short": "abc", "word": "abcd"}
    assert mask_secrets(published, secrets) == {
        "copy": MASK,
        "auth": "admin:***",
        "short": MASK,  # a short secret is masked where it is the whole value ...
        "word": "abcd",  # ... not inside other words
    }


def test_text_loses_password_patterns_copies_and_object_addresses():
    text = "login failed: password=hunter22 for pw-Sekret via <Conn object at 0x7f3a2b>"
    assert mask_text(text, {"pw-Sekret"}) == "login failed: password=*** for *** via <Conn>"
    assert mask_text(None) is None


def test_our_copy_of_oslos_secret_words_is_oslos():
    """Text without any of these words skips strutils (its import is slow): a word oslo adds
    must be added here too."""
    assert tuple(strutils._SANITIZE_KEYS) == OSLO_SECRET_WORDS


def test_what_oslo_alone_misses_is_still_masked():
    """oslo's mask_dict_password recurses into a dict under a secret key (masking only its own
    secret-named keys) and knows no `passwd`: the cases our earlier lists caught."""
    value = {"client_secret": {"nested": "whole value hidden"}, "ipmi_passwd": "pw"}
    assert strutils.mask_dict_password(value)["client_secret"] == {"nested": "whole value hidden"}
    assert strutils.mask_dict_password(value)["ipmi_passwd"] == "pw"
    assert mask_secrets(value) == {"client_secret": MASK, "ipmi_passwd": MASK}


def test_records_are_masked_with_their_own_and_their_executions_secrets():
    record = ActionExecutionRecord(
        id="a1",
        name="std.http",
        workflow_name="wf",
        task_name="call",
        task_execution_id="t1",
        state="ERROR",
        state_info="refused for admin:pw-Sekret",
        accepted=True,
        input={"url": "http://x", "auth": "admin:pw-Sekret", "token": "tok-1234"},
        output={"echo": "tok-1234"},
        description="",
        created_at="2026-01-01 00:00:00",
        updated_at=None,
    )
    shown = mask_record(record, {"pw-Sekret"})
    assert shown.input == {"url": "http://x", "auth": "admin:***", "token": MASK}
    assert shown.output == {"echo": MASK}  # the token is the action's own secret
    assert shown.state_info == "refused for admin:***"
    assert record.input["token"] == "tok-1234"
