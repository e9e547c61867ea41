from django.urls import path

from events import queue_views, views

app_name = "events"

urlpatterns = [
    path("", views.event_list_view, name="list"),
    path("<int:pk>/", views.event_detail_view, name="detail"),
    path("<int:pk>/calendar.ics", views.event_calendar_view, name="calendar"),
    path("<int:pk>/queue/", queue_views.event_queue_view, name="queue"),
]
