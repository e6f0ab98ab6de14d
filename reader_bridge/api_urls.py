from django.urls import path

from . import api, job_api

urlpatterns = [
    path("readers/enrol/", api.EnrolApi.as_view(), name="reader-enrol"),
    path("readers/reads/", api.ReadIngestApi.as_view(), name="reader-reads"),
    path("readers/jobs/next/", job_api.JobNextApi.as_view(), name="reader-job-next"),
    path("readers/jobs/<uuid:job_id>/result/", job_api.JobResultApi.as_view(),
         name="reader-job-result"),
]
