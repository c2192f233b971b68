"""Tags, notes, highlights and reading lists (with their items) under /api/v1/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from api.views.annotations import HighlightViewSet, NoteViewSet
from api.views.lists import ReadingListItemViewSet, ReadingListViewSet
from api.views.tags import TagViewSet

# SimpleRouter, not DefaultRouter: other areas share the /api/v1/ root, so none may claim it.
router = SimpleRouter()
router.register("tags", TagViewSet, basename="tag")
router.register("notes", NoteViewSet, basename="note")
router.register("highlights", HighlightViewSet, basename="highlight")
router.register("lists", ReadingListViewSet, basename="list")
router.register(r"lists/(?P<list_pk>[^/.]+)/items", ReadingListItemViewSet, basename="list-item")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
