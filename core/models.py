from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Refusal(models.Model):
    """A step the portal refused: who tried what, on which object, and what they were told.

    Written after the refused step's transaction has rolled back, so the refusal is kept while
    the step itself wrote nothing. The actor is kept by name: the trail outlives accounts.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.CharField(_("user"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    subject = models.CharField(_("about"), max_length=255, blank=True)
    message = models.TextField(_("message shown"))

    class Meta:
        verbose_name = _("refused step")
        verbose_name_plural = _("refused steps")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor or '-'} {self.action}"
