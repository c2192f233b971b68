"""/api/: the versioned REST API and its OpenAPI schema.

Each area keeps its own URL module so areas can grow without touching each other.
"""

from typing import Any, cast

from django.conf import settings
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

# Swagger UI's page carries an inline bootstrap script and style; only this page may run them.
docs_view = csp_override(
    {
        **cast(dict[str, Any], settings.SECURE_CSP),
        "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
        "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    }
)(SpectacularSwaggerView.as_view(url_name="schema"))

urlpatterns = [
    path("v1/", include("api.urls_core")),
    path("v1/", include("api.urls_content")),
    path("v1/", include("api.urls_auth")),
    path("v1/", include("api.urls_io")),
    path("v1/", include("api.urls_labs")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs_view, name="docs"),
]
