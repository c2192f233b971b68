from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from api.views.cite import SelectionCiteView
from api.views.entries import EntryViewSet
from api.views.libraries import LibraryViewSet
from api.views.lookup import LookupView
from api.views.notifications import InboxView, MarkReadView
from api.views.papers import PaperViewSet
from api.views.save import SaveView

# "/?": both /libraries/1/changes (the documented form) and the trailing-slash form work.
router = SimpleRouter()
router.trailing_slash = "/?"
router.register("libraries", LibraryViewSet, basename="library")
router.register("entries", EntryViewSet, basename="entry")
router.register("papers", PaperViewSet, basename="paper")

urlpatterns: list[URLPattern | URLResolver] = [
    path("save", SaveView.as_view(), name="save"),
    path("lookup", LookupView.as_view(), name="lookup"),
    path("notifications/", InboxView.as_view(), name="notifications"),
    path("notifications/read", MarkReadView.as_view(), name="notifications-read"),
    # Before the router's entries/<pk>, which would take "cite" for an id.
    path("entries/cite", SelectionCiteView.as_view(), name="selection-cite"),
    *router.urls,
]
