"""Routes for lab pages (members, roles, invitations, activity, journal club)."""

from django.urls import path

from readinglist.web import labs

urlpatterns = [
    path("labs/", labs.labs_page, name="labs"),
    path("labs/new", labs.create, name="lab-create"),
    path("labs/<int:pk>/", labs.lab_page, name="lab"),
    path("labs/<int:pk>/rename", labs.rename, name="lab-rename"),
    path("labs/<int:pk>/leave", labs.leave, name="lab-leave"),
    path("labs/<int:pk>/feeds", labs.feeds, name="lab-feeds"),
    path("labs/<int:pk>/invitations", labs.invite, name="lab-invite"),
    path(
        "labs/<int:pk>/invitations/<int:invitation_id>/revoke",
        labs.revoke,
        name="lab-invitation-revoke",
    ),
    path("labs/<int:pk>/members/<int:user_id>/role", labs.change_role, name="lab-member-role"),
    path(
        "labs/<int:pk>/members/<int:user_id>/remove",
        labs.remove_member,
        name="lab-member-remove",
    ),
    path("invitations/<str:token>/", labs.invitation_page, name="invitation"),
    path("invitations/<str:token>/accept", labs.accept_invitation, name="invitation-accept"),
    path("invitations/<str:token>/decline", labs.decline_invitation, name="invitation-decline"),
]
