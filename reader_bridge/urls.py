app_name = "reader_bridge"
urlpatterns: list = []
