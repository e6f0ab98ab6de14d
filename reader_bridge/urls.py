from django.urls import path

from . import views

app_name = "reader_bridge"
urlpatterns = [
    path("reads/", views.read_list, name="reads"),
    path("cards/<int:card_pk>/read/", views.read_request, name="request"),
]
