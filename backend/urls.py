from django.contrib import admin
from django.urls import include, path

from backend.admin_login import limited_login

urlpatterns = [
    # Before the admin's own routes, so its login page is the limited one.
    path("admin/login/", limited_login(admin.site.login), name="admin-login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("api/", include("api.urls")),
    path("", include("readinglist.urls")),
]
