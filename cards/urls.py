from django.urls import path

from . import hologram_views, views

app_name = "cards"
urlpatterns = [
    path("", views.card_list, name="list"),
    path("mine/", views.my_cards, name="mine"),
    path("holograms/", hologram_views.hologram_batch, name="holograms"),
    path("<int:pk>/", views.card_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.card_action, name="act"),
]
