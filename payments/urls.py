from django.urls import path

from payments import review, views

app_name = "payments"

urlpatterns = [
    path("", views.purchase_list_view, name="list"),
    path("<uuid:pk>/", views.purchase_detail_view, name="detail"),
    path("buy/<int:event_pk>/", views.purchase_create_view, name="create"),
    path("buy/<int:event_pk>/review/", review.purchase_review_view, name="review"),
]
