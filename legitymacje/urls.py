from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import second_factor_views, sso_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", sso_views.LoginView.as_view(), name="login"),
    path("logout/", sso_views.logout, name="logout"),
    path("cas/login/", sso_views.CASLoginView.as_view(), name="cas-login"),
    path("account/second-factor/", second_factor_views.enrol, name="otp-enrol"),
    path("account/second-factor/verify/", second_factor_views.verify, name="otp-verify"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("cards/", include("cards.urls")),
    path("cases/", include("warranty.urls")),
    path("readers/", include("reader_bridge.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("legitymacje.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, and our template its
    # style: no inline code (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api-schema", template_name="api/swagger_ui.html"), name="api-docs"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "legitymacje.views.not_found"
