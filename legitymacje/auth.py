from django.contrib.auth.backends import ModelBackend


class UserWithHolderBackend(ModelBackend):
    """Loads the user's holder record with the user: every page asks whether the user
    holds cards, and this answers it without a query of its own."""

    def get_user(self, user_id):
        try:
            user = self.user_model_queryset().get(pk=user_id)
        except self.user_model_queryset().model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def user_model_queryset(self):
        from django.contrib.auth import get_user_model

        return get_user_model()._default_manager.select_related("holder")
