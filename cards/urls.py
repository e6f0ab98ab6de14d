from django.urls import path

from . import views

app_name = "cards"
urlpatterns = [
    path("", views.card_list, name="list"),
    path("mine/", views.my_cards, name="mine"),
    path("<int:pk>/", views.card_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.card_action, name="act"),
]
