from django.urls import path

from . import queue_export, views

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    path("exports/", views.export_list, name="exports"),
    path("queue.csv", queue_export.case_queue_export, name="queue-export"),
    path("exports/start/", views.export_start, name="export-start"),
    path("exports/<int:pk>/status.json", views.export_status, name="export-status"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("<slug:slug>/", views.report_detail, name="detail"),
    path("<slug:slug>/export.<str:file_format>", views.report_export, name="export"),
]
