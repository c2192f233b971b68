"""Shapes of labs, members, invitations, comments, activity and journal-club sessions."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.serializers.content import IdField
from api.serializers.strict import RejectUnknownFields
from readinglist.markdown import render
from readinglist.models import (
    Activity,
    Comment,
    Invitation,
    JournalClubSession,
    Lab,
    Membership,
    User,
)
from readinglist.roles import INVITABLE_ROLES
from readinglist.services.discussion import MAX_COMMENT_BODY
from readinglist.services.journal_club import MAX_LOCATION_LENGTH
from readinglist.services.labs import (
    DEFAULT_INVITATION_DAYS,
    MAX_INVITATION_DAYS,
    MAX_INVITATION_USES,
    MAX_LAB_NAME_LENGTH,
)


class PersonSerializer(serializers.ModelSerializer[User]):
    # Never "": a member without a name shows as their email's local part.
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = User
        fields = ("id", "name")
        read_only_fields = fields


class LabSerializer(serializers.ModelSerializer[Lab]):
    role = serializers.CharField(read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    library = serializers.IntegerField(source="library.id", read_only=True)
    library_version = serializers.IntegerField(source="library.version", read_only=True)

    class Meta:
        model = Lab
        fields = ("id", "name", "role", "member_count", "library", "library_version", "created_at")
        read_only_fields = fields


class LabNameSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=MAX_LAB_NAME_LENGTH)


class MemberSerializer(serializers.ModelSerializer[Membership]):
    id = serializers.IntegerField(source="user.id", read_only=True)
    name = serializers.CharField(source="user.display_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ("id", "name", "email", "role", "joined_at")
        read_only_fields = fields


class RoleChangeSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class TransferSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    user = IdField()


class InvitationSerializer(serializers.ModelSerializer[Invitation]):
    kind = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = (
            "id",
            "kind",
            "email",
            "role",
            "state",
            "expires_at",
            "max_uses",
            "uses",
            "revoked_at",
            "declined_at",
            "created_at",
        )
        read_only_fields = fields

    def get_kind(self, invitation: Invitation) -> str:
        return "email" if invitation.email else "link"

    def get_state(self, invitation: Invitation) -> str:
        from django.utils import timezone

        if invitation.revoked_at:
            return "revoked"
        if invitation.declined_at:
            return "declined"
        if invitation.uses >= invitation.max_uses:
            return "used"
        if invitation.expires_at <= timezone.now():
            return "expired"
        return "open"


class InvitationCreateSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=INVITABLE_ROLES, default=Membership.Role.MEMBER)
    max_uses = serializers.IntegerField(min_value=1, max_value=MAX_INVITATION_USES, default=1)
    expires_in_days = serializers.IntegerField(
        min_value=1, max_value=MAX_INVITATION_DAYS, default=DEFAULT_INVITATION_DAYS
    )


class TokenSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    token = serializers.CharField(max_length=100)


class ListRefSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    list = IdField()


class ActivitySerializer(serializers.ModelSerializer[Activity]):
    actor = PersonSerializer(read_only=True)
    entry_title = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ("id", "verb", "actor", "entry", "entry_title", "created_at")
        read_only_fields = fields

    def get_entry_title(self, activity: Activity) -> str | None:
        return activity.entry.title if activity.entry is not None else None


def mention_handles(comment: Comment) -> set[str]:
    handles: set[str] = set()
    for person in comment.mentions.all():
        handles.add(person.email.casefold())
        handles.add(person.email.split("@", 1)[0].casefold())
    return handles


class CommentSerializer(serializers.ModelSerializer[Comment]):
    author = PersonSerializer(read_only=True)
    resolved_by = PersonSerializer(read_only=True, allow_null=True)
    body_html = serializers.SerializerMethodField()
    mentions = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = (
            "id",
            "key",
            "library",
            "version",
            "entry",
            "highlight",
            "parent",
            "author",
            "body",
            "body_html",
            "mentions",
            "created_at",
            "edited_at",
            "resolved_at",
            "resolved_by",
        )
        read_only_fields = fields

    def get_body_html(self, comment: Comment) -> str:
        return render(comment.body, mentions=mention_handles(comment))

    def get_mentions(self, comment: Comment) -> list[int]:
        return [person.pk for person in comment.mentions.all()]


class CommentCreateSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    entry = IdField()
    # Declared fields leave the class namespace (DRF's metaclass), so this shadows nothing.
    parent = IdField(required=False, allow_null=True, default=None)  # type: ignore[assignment]
    highlight = IdField(required=False, allow_null=True, default=None)
    body = serializers.CharField(max_length=MAX_COMMENT_BODY, trim_whitespace=False)


class CommentUpdateSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    body = serializers.CharField(max_length=MAX_COMMENT_BODY, trim_whitespace=False)
    version = serializers.IntegerField(min_value=0, required=False)


class CommentFilterSerializer(serializers.Serializer[dict[str, Any]]):
    entry = IdField()
    highlight = IdField(required=False)


class SessionSerializer(serializers.ModelSerializer[JournalClubSession]):
    presenter = PersonSerializer(read_only=True)
    title = serializers.CharField(source="entry.title", read_only=True)
    notes = serializers.SerializerMethodField()

    class Meta:
        model = JournalClubSession
        fields = (
            "id",
            "key",
            "library",
            "version",
            "entry",
            "title",
            "starts_at",
            "duration_minutes",
            "location",
            "time_zone",
            "presenter",
            "discussed_at",
            "notes",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_notes(self, session: JournalClubSession) -> list[int]:
        return [note.pk for note in session.notes.all()]


class SessionFieldsSerializer(serializers.Serializer[dict[str, Any]]):
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=1440, default=60)
    location = serializers.CharField(
        max_length=MAX_LOCATION_LENGTH, allow_blank=True, required=False, default=""
    )
    presenter = IdField(required=False, allow_null=True, default=None)
    # IANA name; the service checks it against the tz database.
    time_zone = serializers.CharField(max_length=64, required=False, default="UTC")


class SessionCreateSerializer(RejectUnknownFields, SessionFieldsSerializer):
    entry = IdField()


class SessionUpdateSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    starts_at = serializers.DateTimeField(required=False)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=1440, required=False)
    location = serializers.CharField(
        max_length=MAX_LOCATION_LENGTH, allow_blank=True, required=False
    )
    presenter = IdField(required=False, allow_null=True)
    time_zone = serializers.CharField(max_length=64, required=False)
    version = serializers.IntegerField(min_value=0, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not set(attrs) - {"version"}:
            raise serializers.ValidationError("Nothing to change.")
        return attrs


class DiscussedSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    notes = serializers.ListField(child=IdField(), max_length=100, default=list)


class SessionFilterSerializer(serializers.Serializer[dict[str, Any]]):
    when = serializers.ChoiceField(choices=["upcoming", "past", "all"], default="upcoming")


class WhoReadFilterSerializer(serializers.Serializer[dict[str, Any]]):
    list = IdField(required=False)


# Response shapes of the lab endpoints that answer with plain dictionaries (for the schema).


class ActivityPageSerializer(serializers.Serializer[dict[str, Any]]):
    """A cursor page of a lab's activity: newest first, no total count."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ActivitySerializer(many=True)


class FeedUrlsSerializer(serializers.Serializer[dict[str, Any]]):
    enabled = serializers.BooleanField()
    calendar = serializers.URLField(allow_null=True, help_text="iCalendar (.ics) of sessions")
    digest = serializers.URLField(allow_null=True, help_text="Atom feed of the lab digest")


class WhoReadMemberSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class SharedStateSerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True)


class WhoReadRowSerializer(serializers.Serializer[dict[str, Any]]):
    entry = serializers.IntegerField()
    title = serializers.CharField(allow_blank=True)
    states = serializers.DictField(
        child=SharedStateSerializer(), help_text="By member id: status and rating only"
    )
    read_count = serializers.IntegerField()
    nobody_read = serializers.BooleanField()
    top_rated_by = serializers.IntegerField(allow_null=True)


class WhoReadSerializer(serializers.Serializer[dict[str, Any]]):
    members = WhoReadMemberSerializer(many=True)
    entries = WhoReadRowSerializer(many=True)
