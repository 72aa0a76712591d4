"""What the execution commands print never shows a value under a secret-looking key."""

from engine.masking import MASK, mask_secrets


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
