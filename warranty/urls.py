from django.urls import path

from . import views

app_name = "warranty"
urlpatterns = [
    path("status/", views.status_lookup, name="status-lookup"),
    path("<int:pk>/receipt.pdf", views.intake_receipt, name="receipt"),
]
