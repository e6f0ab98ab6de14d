from django.urls import path

from . import api

urlpatterns = [
    path("readers/enrol/", api.EnrolApi.as_view(), name="reader-enrol"),
    path("readers/reads/", api.ReadIngestApi.as_view(), name="reader-reads"),
]
