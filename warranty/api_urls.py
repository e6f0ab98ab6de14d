"""Cases API routes. A SimpleRouter: the API root is not this app's to claim."""

from rest_framework.routers import SimpleRouter

from .api import CaseViewSet

router = SimpleRouter(use_regex_path=False)
router.register("cases", CaseViewSet, basename="case")

urlpatterns = router.urls
