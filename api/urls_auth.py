"""/api/v1/ authentication pieces: personal API tokens.

Sign-in itself is django-allauth's (headless app client at /_allauth/app/v1/).
"""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from api.views.tokens import ApiTokenViewSet

router = SimpleRouter()
router.register("tokens", ApiTokenViewSet, basename="api-token")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
