from django.urls import path

from . import handover_views, staff_views, views

app_name = "warranty"
urlpatterns = [
    path("status/", views.status_lookup, name="status-lookup"),
    path("<int:pk>/receipt.pdf", views.intake_receipt, name="receipt"),
    path("<int:pk>/handover.pdf", views.handover_receipt, name="handover-receipt"),
    # Staff and holder pages (warranty.staff_views).
    path("", staff_views.case_queue, name="list"),
    path("bulk/", staff_views.case_bulk_step, name="bulk"),
    path("hand-over/", handover_views.hand_over_stack, name="hand-over-stack"),
    path("mine/", staff_views.my_cases, name="mine"),
    path("open/<int:card_pk>/<slug:kind>/", staff_views.case_open, name="open"),
    path("<int:pk>/", staff_views.case_detail, name="detail"),
    path("<int:pk>/step/<slug:action>/", staff_views.case_step, name="step"),
    path("<int:pk>/payment/<slug:action>/", staff_views.case_payment, name="payment"),
    path("<int:pk>/attempt/", staff_views.case_attempt, name="attempt"),
    path("<int:pk>/comment/", staff_views.case_comment, name="comment"),
    path("<int:pk>/assign/", staff_views.case_assign, name="assign"),
    path("<int:pk>/photos/", staff_views.case_attachment_add, name="attachment-add"),
    path("<int:pk>/photos/<int:attachment_pk>/", staff_views.attachment_file,
         name="attachment"),
]
