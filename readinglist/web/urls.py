"""Routes of the web app, namespaced `web:`. Each area keeps its own route module."""

from django.urls import include, path

from readinglist.web import entries, library, lists

app_name = "web"

urlpatterns = [
    path("library/", library.library_page, name="library"),
    path("library/<int:library_id>/bulk", library.bulk_action, name="bulk"),
    path("save", library.save_by_url, name="save"),
    path("entries/<int:pk>/", entries.entry_page, name="entry"),
    path("entries/<int:pk>/details", entries.edit_entry_details, name="entry-details"),
    path("entries/<int:pk>/details/reset", entries.reset_entry_details, name="entry-details-reset"),
    path("entries/<int:pk>/status", entries.set_status, name="entry-status"),
    path("entries/<int:pk>/state", entries.set_personal_state, name="entry-state"),
    path("entries/<int:pk>/tags", entries.change_tags, name="entry-tags"),
    path("entries/<int:pk>/notes", entries.add_note, name="entry-note-add"),
    path("entries/<int:pk>/lists", entries.add_to_reading_list, name="entry-list-add"),
    path("entries/<int:pk>/comments", entries.add_comment, name="entry-comment-add"),
    path("entries/<int:pk>/sessions", entries.schedule, name="entry-session-add"),
    path("entries/<int:pk>/delete", entries.delete, name="entry-delete"),
    path("notes/<int:pk>/edit", entries.edit_note, name="note-edit"),
    path("notes/<int:pk>/delete", entries.remove_note, name="note-delete"),
    path("comments/<int:pk>/delete", entries.remove_comment, name="comment-delete"),
    path("comments/<int:pk>/resolve", entries.resolve_comment, name="comment-resolve"),
    path("comments/<int:pk>/reopen", entries.reopen_comment, name="comment-reopen"),
    path("sessions/<int:pk>/discussed", entries.session_discussed, name="session-discussed"),
    path("sessions/<int:pk>/cancel", entries.session_cancel, name="session-cancel"),
    path("lists/", lists.lists_page, name="lists"),
    path("lists/new", lists.create, name="list-create"),
    path("lists/<int:pk>/", lists.list_page, name="list"),
    path("lists/<int:pk>/edit", lists.edit, name="list-edit"),
    path("lists/<int:pk>/delete", lists.delete, name="list-delete"),
    path("lists/<int:pk>/move", lists.move, name="list-move"),
    path("lists/<int:pk>/remove", lists.remove, name="list-remove"),
    path("lists/<int:pk>/publish", lists.publish, name="list-publish"),
    path("lists/<int:pk>/public-note", lists.public_note, name="list-public-note"),
    path("", include("readinglist.web.labs_urls")),
    path("", include("readinglist.web.account_urls")),
    path("", include("readinglist.web.notifications_urls")),
]
