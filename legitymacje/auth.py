from django.contrib.auth.backends import ModelBackend
from django.db import connection

from cards.roles import scope_annotations


class UserWithHolderBackend(ModelBackend):
    """Loads the user's holder record, roles and units with the user, in one query: every
    page asks whether the user holds cards and what they may do."""

    def get_user(self, user_id):
        try:
            user = self.user_model_queryset().get(pk=user_id)
        except self.user_model_queryset().model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def user_model_queryset(self):
        from django.contrib.auth import get_user_model

        return (get_user_model()._default_manager.select_related("holder")
                .annotate(**scope_annotations(connection)))
