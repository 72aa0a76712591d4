"""``std.email``: send one message through an SMTP server with ``smtplib``."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage

from engine.actions.base import Action, ActionContext, ActionError

LOG = logging.getLogger(__name__)

SMTP_TIMEOUT = 60  # seconds; a silent server must not hold a worker thread for ever


def _addresses(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


class SendEmailAction(Action):
    """Sends an email; with smtp_password it logs in as from_addr after STARTTLS."""

    def __init__(
        self,
        from_addr: str,
        to_addrs: str | list[str],
        smtp_server: str,
        reply_to: str | list[str] | None = None,
        cc_addrs: str | list[str] | None = None,
        bcc_addrs: str | list[str] | None = None,
        smtp_password: str | None = None,
        subject: str | None = None,
        body: str | None = None,
        html_body: str | None = None,
    ) -> None:
        self.from_addr = from_addr
        self.to_addrs = _addresses(to_addrs)
        self.smtp_server = smtp_server
        self.reply_to = _addresses(reply_to)
        self.cc_addrs = _addresses(cc_addrs)
        self.bcc_addrs = _addresses(bcc_addrs)
        self.smtp_password = smtp_password
        self.subject = subject or "<No subject>"
        self.body = body or "<No body>"
        self.html_body = html_body

    def secret_values(self) -> Iterator[str]:
        if self.smtp_password:
            yield str(self.smtp_password)

    def message(self) -> EmailMessage:
        """The message as sent; Bcc recipients get it but are not named in it."""
        message = EmailMessage()
        message["Subject"] = self.subject
        message["From"] = self.from_addr
        message["To"] = ", ".join(self.to_addrs)
        if self.cc_addrs:
            message["Cc"] = ", ".join(self.cc_addrs)
        if self.reply_to:
            message["Reply-To"] = ", ".join(self.reply_to)
        message.set_content(self.body)
        if self.html_body:
            message.add_alternative(self.html_body, subtype="html")
        return message

    def run(self, context: ActionContext) -> None:
        recipients = self.to_addrs + self.cc_addrs + self.bcc_addrs
        LOG.info("Sending email [server=%s, to=%s]", self.smtp_server, recipients)
        try:
            with smtplib.SMTP(self.smtp_server, timeout=SMTP_TIMEOUT) as smtp:
                if self.smtp_password is not None:
                    smtp.starttls()
                    smtp.login(self.from_addr, self.smtp_password)
                smtp.send_message(self.message(), self.from_addr, recipients)
        except (smtplib.SMTPException, OSError) as exc:
            raise ActionError(f"Failed to send an email message: {exc}") from exc
