"""/api/v1/ labs: labs, members, invitations, discussion, journal club, public links and feeds.

The `public/` routes need no login: their token is the credential.
"""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from api.views import lab_discussion, lab_public, labs

router = SimpleRouter()
router.register("labs", labs.LabViewSet, basename="lab")
router.register(r"labs/(?P<lab_pk>[^/.]+)/members", labs.MemberViewSet, basename="lab-member")
router.register(
    r"labs/(?P<lab_pk>[^/.]+)/invitations", labs.InvitationViewSet, basename="lab-invitation"
)
router.register(
    r"labs/(?P<lab_pk>[^/.]+)/sessions", lab_discussion.SessionViewSet, basename="lab-session"
)
router.register("comments", lab_discussion.CommentViewSet, basename="comment")
router.register("public-links", labs.PublicLinkViewSet, basename="public-link")

urlpatterns: list[URLPattern | URLResolver] = [
    path("invitations/accept/", labs.AcceptInvitationView.as_view(), name="invitation-accept"),
    path("invitations/decline/", labs.DeclineInvitationView.as_view(), name="invitation-decline"),
    path("public/lists/<str:token>/", lab_public.public_list_page, name="public-list"),
    path(
        "public/lists/<str:token>/feed.atom", lab_public.public_list_atom, name="public-list-atom"
    ),
    path("public/labs/<str:token>/calendar.ics", lab_public.lab_calendar, name="lab-calendar"),
    path("public/labs/<str:token>/digest.atom", lab_public.lab_digest_atom, name="lab-digest-atom"),
    *router.urls,
]
