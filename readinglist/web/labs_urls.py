"""Routes for lab pages (members, roles, invitations, activity, journal club, radar)."""

from django.urls import path

from readinglist.web import labs, radar

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
    path("labs/<int:pk>/radar/", radar.radar, name="lab-radar"),
    path("labs/<int:pk>/radar/follows", radar.add_follow, name="lab-radar-follow"),
    path(
        "labs/<int:pk>/radar/follows/<int:follow_id>/remove",
        radar.remove_follow,
        name="lab-radar-unfollow",
    ),
    path("labs/<int:pk>/radar/follows/<int:follow_id>/mute", radar.mute, name="lab-radar-mute"),
    path(
        "labs/<int:pk>/radar/follows/<int:follow_id>/unmute",
        radar.unmute,
        name="lab-radar-unmute",
    ),
    path("invitations/<str:token>/", labs.invitation_page, name="invitation"),
    path("invitations/<str:token>/accept", labs.accept_invitation, name="invitation-accept"),
    path("invitations/<str:token>/decline", labs.decline_invitation, name="invitation-decline"),
]
