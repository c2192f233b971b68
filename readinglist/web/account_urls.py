"""Routes for the settings pages (profile, API tokens, sessions, export and import)."""

from django.urls import path

from readinglist.web import account

urlpatterns = [
    path("settings/", account.settings_page, name="settings"),
    path("settings/profile", account.save_profile, name="profile"),
    path("settings/tokens", account.tokens_page, name="tokens"),
    path("settings/tokens/new", account.create_token, name="token-create"),
    path("settings/tokens/<int:pk>/revoke", account.revoke_token, name="token-revoke"),
    path("settings/data", account.data_page, name="data"),
    path("settings/data/import", account.import_file, name="import"),
]
