"""Import, export, backup/restore and the live .bib feed, under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from api.views.cite import EntryCiteView, ListCiteView
from api.views.io import (
    ImportJobView,
    ImportView,
    LibraryExportView,
    ListExportView,
    ListFeedLinkView,
    ListFeedView,
    RestoreView,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("libraries/<str:library_id>/import", ImportView.as_view(), name="library-import"),
    path("libraries/<str:library_id>/export", LibraryExportView.as_view(), name="library-export"),
    path("libraries/<str:library_id>/restore", RestoreView.as_view(), name="library-restore"),
    path("imports/<str:job_id>", ImportJobView.as_view(), name="import-job"),
    path("lists/<str:list_id>/export", ListExportView.as_view(), name="list-export"),
    path("lists/<str:list_id>/bib-link", ListFeedLinkView.as_view(), name="list-bib-link"),
    path("bib/<str:token>.bib", ListFeedView.as_view(), name="list-bib-feed"),
    path("entries/<str:entry_id>/cite", EntryCiteView.as_view(), name="entry-cite"),
    path("lists/<str:list_id>/cite", ListCiteView.as_view(), name="list-cite"),
]
