from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Membership


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the mail leaves through the background queue after commit
    (``tasks.password_reset_send`` as a recorded side effect), never inside the request."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from cosell.core import effects

        from . import tasks

        user_id, domain, protocol = context["user"].pk, context["domain"], context["protocol"]
        # Recorded like every side effect (never lost with Redis down), sent by the worker.
        with transaction.atomic():
            effects.queue(tasks.password_reset_send, user_id, to_email, domain, protocol)
