from django.urls import include, path

from readinglist import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("", include("readinglist.web.urls")),
]
