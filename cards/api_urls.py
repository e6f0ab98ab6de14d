"""Cards API routes. A SimpleRouter: the API root is not this app's to claim."""

from rest_framework.routers import SimpleRouter

from .api import CardViewSet, HolderViewSet, UnitViewSet

router = SimpleRouter(use_regex_path=False)
router.register("cards", CardViewSet, basename="card")
router.register("units", UnitViewSet, basename="unit")
router.register("holders", HolderViewSet, basename="holder")

urlpatterns = router.urls
