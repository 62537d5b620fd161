from django_otp.plugins.otp_totp.models import TOTPDevice

from personnel.models import Role, User

# Roles that may turn two-factor sign-in on; administrators (superusers) must.
ENROLLING_ROLES = (Role.REVIEWER, Role.COUNCIL)

CODE = "code"
ENROL = "enrol"


def may_enrol(*, user: User) -> bool:
    """Whether the user may turn two-factor sign-in on (the menu offers it by this)."""
    return user.is_authenticated and user.has_role(*ENROLLING_ROLES)


def confirmed_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def second_step_for(*, user: User) -> str:
    """What the user must do after the password: CODE, ENROL, or "" for nothing."""
    if confirmed_device(user=user) is not None:
        return CODE
    if user.is_superuser:
        return ENROL
    return ""
