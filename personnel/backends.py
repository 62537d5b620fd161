from django.contrib.auth.backends import ModelBackend

from personnel.models import User
from personnel.selectors import users_with_roles


class UserWithRolesBackend(ModelBackend):
    """Django's ModelBackend, reading the signed-in user on each page in one query.

    The user comes with their unit and their role names (User.roles), which every signed-in
    page needs: the menu, the role gates. Without this each page pays two more queries.
    """

    def get_user(self, user_id):
        try:
            user = users_with_roles().get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
