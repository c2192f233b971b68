"""/api/: the versioned REST API and its OpenAPI schema.

Each area keeps its own URL module so areas can grow without touching each other.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("v1/", include("api.urls_core")),
    path("v1/", include("api.urls_content")),
    path("v1/", include("api.urls_auth")),
    path("v1/", include("api.urls_io")),
    path("v1/", include("api.urls_labs")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]
