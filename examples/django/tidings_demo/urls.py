from django.urls import path

from demo import views

urlpatterns = [
    path("", views.index, name="index"),
    path("notify/", views.notify, name="notify"),
    path("notifications/", views.notifications_view, name="notifications"),
    path("tasks/", views.start_task, name="start-task"),
    path("tasks/<str:task_id>/", views.task_status, name="task-status"),
]
