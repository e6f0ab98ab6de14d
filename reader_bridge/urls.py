from django.urls import path

from . import batch_views, forgery_views, views

app_name = "reader_bridge"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("desk.json", views.desk_poll, name="desk-poll"),
    path("reads/", views.read_list, name="reads"),
    path("reads/<int:pk>/forgery/", forgery_views.forgery_report_page, name="forgery"),
    path("cases/<int:case_pk>/new-card.json", views.new_card_read, name="new-card"),
    path("cases/hand-over/new-card.json", views.new_card_read, name="new-card-stack"),
    path("cards/<int:card_pk>/read/", views.read_request, name="request"),
    path("cards/<int:card_pk>/extend/", views.extension_start, name="extend"),
    path("cards/<int:card_pk>/extension/", views.extension_progress, name="extension"),
    path("batch/", batch_views.batch_home, name="batch-home"),
    path("batch/<int:pk>/", batch_views.batch_detail, name="batch"),
    path("batch/<int:pk>/progress/", batch_views.batch_progress, name="batch-progress"),
    path("batch/<int:pk>/end/", batch_views.batch_end, name="batch-end"),
]
