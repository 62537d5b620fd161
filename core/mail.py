"""Mail that never holds up the step that sends it: sent by the task worker after the commit,
retried there when the mail server does not answer."""

import datetime
import logging
import smtplib

from django.core.mail import send_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)

MAIL_ATTEMPTS = 6


class NoServerBackend(BaseEmailBackend):
    """In production without a mail server (no EMAIL_URL): each mail is logged as not sent,
    so that the log shows what the configuration loses. Nobody depends on mail alone."""

    def send_messages(self, email_messages):
        for message in email_messages:
            logger.warning(
                "Mail to %s not sent, no mail server is configured (EMAIL_URL): %s",
                message.to,
                message.subject,
            )
        return 0


def retry_delay(attempt: int) -> datetime.timedelta:
    """1, 4, 16, 64 and 256 minutes: a mail server back within hours still gets the mail."""
    return datetime.timedelta(minutes=4 ** (attempt - 1))


@task
def deliver(*, to: list[str], subject: str, body: str, attempt: int = 1) -> str:
    try:
        sent = send_mail(subject, body, None, to)
    except (smtplib.SMTPException, OSError) as error:
        if attempt >= MAIL_ATTEMPTS or not deliver.get_backend().supports_defer:
            logger.error("Mail to %s not sent, given up after %s attempts: %s", to, attempt, error)
            return "given up"
        logger.warning("Mail to %s not sent (attempt %s), retried later: %s", to, attempt, error)
        deliver.using(run_after=timezone.now() + retry_delay(attempt)).enqueue(
            to=to, subject=subject, body=body, attempt=attempt + 1
        )
        return "retried"
    return "sent" if sent else "not sent"


def mail_after_commit(*, to: list[str], subject: str, body: str) -> None:
    """Hand a mail to the task worker once the caller's transaction commits.

    Robust: should even the queue fail, the failure is logged and the step stays done."""
    if to:
        transaction.on_commit(
            lambda: deliver.enqueue(to=to, subject=subject, body=body), robust=True
        )
