"""Routes of the notification inbox and email choices."""

from django.urls import path

from readinglist.web import notifications

urlpatterns = [
    path("notifications/", notifications.inbox_page, name="notifications"),
    path("notifications/read", notifications.read, name="notifications-read"),
    path("notifications/email", notifications.email_settings, name="notifications-email"),
    path(
        "notifications/unsubscribe/<str:token>",
        notifications.unsubscribe_page,
        name="notifications-unsubscribe",
    ),
]
