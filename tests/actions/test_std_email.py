"""std.email against a real SMTP sink on loopback."""

from __future__ import annotations

import logging

from engine.actions import run_action


async def test_mail_reaches_every_recipient_with_subject_body_and_cc(smtp_sink):
    outcome = await run_action(
        "std.email",
        {
            "from_addr": "undercloud@example.com",
            "to_addrs": ["ops@example.com"],
            "cc_addrs": ["lead@example.com"],
            "bcc_addrs": ["audit@example.com"],
            "reply_to": "noreply@example.com",
            "smtp_server": smtp_sink.address,
            "subject": "Deploy done",
            "body": "All nodes active.",
        },
    )
    assert outcome.ok, outcome.error
    assert outcome.data is None
    [mail] = smtp_sink.mails
    assert mail.sender == "undercloud@example.com"
    assert mail.recipients == ["ops@example.com", "lead@example.com", "audit@example.com"]
    assert mail.message["Subject"] == "Deploy done"
    assert mail.message["To"] == "ops@example.com"
    assert mail.message["Cc"] == "lead@example.com"
    assert mail.message["Reply-To"] == "noreply@example.com"
    assert mail.message["Bcc"] is None
    assert mail.message.get_payload(decode=True).decode().strip() == "All nodes active."


async def test_missing_subject_and_body_get_mistral_defaults(smtp_sink):
    await run_action(
        "std.email",
        {
            "from_addr": "a@example.com",
            "to_addrs": "b@example.com",
            "smtp_server": smtp_sink.address,
        },
    )
    [mail] = smtp_sink.mails
    assert mail.recipients == ["b@example.com"]
    assert mail.message["Subject"] == "<No subject>"
    assert mail.message.get_payload(decode=True).decode().strip() == "<No body>"


async def test_html_body_is_sent_as_an_alternative(smtp_sink):
    await run_action(
        "std.email",
        {
            "from_addr": "a@example.com",
            "to_addrs": ["b@example.com"],
            "smtp_server": smtp_sink.address,
            "body": "plain",
            "html_body": "<p>rich</p>",
        },
    )
    [mail] = smtp_sink.mails
    assert mail.message.get_content_type() == "multipart/alternative"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode().strip()
        for part in mail.message.get_payload()
    }
    assert parts == {"text/plain": "plain", "text/html": "<p>rich</p>"}


async def test_login_failure_never_shows_the_password(smtp_sink, caplog):
    caplog.set_level(logging.DEBUG)
    outcome = await run_action(
        "std.email",
        {
            "from_addr": "a@example.com",
            "to_addrs": ["b@example.com"],
            "smtp_server": smtp_sink.address,
            "smtp_password": "mail-pass-42",
        },
    )
    # The sink offers no STARTTLS, so the action refuses to send the password in clear.
    assert outcome.error == (
        "Failed to send an email message: STARTTLS extension not supported by server."
    )
    assert smtp_sink.mails == []
    assert "mail-pass-42" not in caplog.text


async def test_unreachable_server_is_a_clear_error():
    outcome = await run_action(
        "std.email",
        {"from_addr": "a@example.com", "to_addrs": ["b@example.com"], "smtp_server": "127.0.0.1:1"},
    )
    assert outcome.error.startswith("Failed to send an email message: ")
