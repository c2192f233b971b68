"""Lab discussion and journal club: threaded comments on lab entries, and sessions."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import base_version_param, request_user, with_version
from api.idempotency import idempotent
from api.serializers.content import object_or_404
from api.serializers.labs import (
    CommentCreateSerializer,
    CommentFilterSerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    DiscussedSerializer,
    SessionCreateSerializer,
    SessionFilterSerializer,
    SessionSerializer,
    SessionUpdateSerializer,
)
from api.views.labs import member_lab
from readinglist.access import require_lab_role
from readinglist.models import (
    Comment,
    Entry,
    Highlight,
    JournalClubSession,
    Lab,
    Library,
    Note,
    User,
)
from readinglist.roles import Role
from readinglist.services import discussion, journal_club


def lab_libraries(user: User) -> QuerySet[Library]:
    return Library.objects.visible_to(user).filter(kind=Library.Kind.LAB)


def with_comment_details(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    return comments.select_related("author", "resolved_by").prefetch_related(
        Prefetch("mentions", queryset=User.objects.order_by("id"))
    )


class CommentViewSet(viewsets.GenericViewSet[Comment]):
    """/comments/?entry=ID: the lab's discussion of an entry, oldest first; `parent` threads it.

    The list is flat (each comment names its `parent`), so a client draws the tree in one pass.
    """

    serializer_class = CommentSerializer

    def get_queryset(self) -> QuerySet[Comment]:
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        user = request_user(self.request)
        return Comment.objects.filter(library__in=lab_libraries(user).values("id"))

    def get_object(self) -> Comment:
        return object_or_404(
            with_comment_details(self.get_queryset()).select_related("library__lab"),
            self.kwargs["pk"],
        )

    @extend_schema(parameters=[CommentFilterSerializer])
    def list(self, request: Request) -> Response:
        filters = CommentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        visible = Entry.objects.filter(
            library__in=lab_libraries(request_user(request)).values("id")
        )
        entry = object_or_404(visible, filters.validated_data["entry"])
        comments = Comment.objects.filter(entry=entry)
        if "highlight" in filters.validated_data:
            comments = comments.filter(highlight_id=filters.validated_data["highlight"])
        page = self.paginate_queryset(with_comment_details(comments).order_by("created_at", "id"))
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CommentSerializer(self.get_object()).data)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request_user(request)
        visible = Entry.objects.filter(library__in=lab_libraries(user).values("id"))
        entry = object_or_404(visible.select_related("library__lab"), data["entry"])
        parent = None
        if data["parent"] is not None:
            parent = Comment.objects.filter(entry=entry, pk=data["parent"]).first()
            if parent is None:
                raise ValidationError({"parent": ["No such comment on this entry."]})
        highlight = None
        if data["highlight"] is not None:
            highlight = Highlight.objects.filter(entry=entry, pk=data["highlight"]).first()
            if highlight is None:
                raise ValidationError({"highlight": ["No such highlight on this entry."]})
        comment = discussion.create_comment(
            user=user, entry=entry, body=data["body"], parent=parent, highlight=highlight
        )
        comment = with_comment_details(Comment.objects.filter(pk=comment.pk)).get()
        response = Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        return with_version(response, comment.library)

    def _resolution(self, request: Request, *, resolve: bool) -> Response:
        comment = self.get_object()
        change = discussion.resolve_thread if resolve else discussion.reopen_thread
        comment = change(user=request_user(request), comment=comment)
        comment = with_comment_details(Comment.objects.filter(pk=comment.pk)).get()
        return with_version(Response(CommentSerializer(comment).data), comment.library)

    @extend_schema(request=None, responses={200: CommentSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def resolve(self, request: Request, pk: str) -> Response:
        """Resolve a thread (its first comment): its author or a lab admin. Idempotent."""
        return self._resolution(request, resolve=True)

    @extend_schema(request=None, responses={200: CommentSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def reopen(self, request: Request, pk: str) -> Response:
        """Reopen a resolved thread: its author or a lab admin. Idempotent."""
        return self._resolution(request, resolve=False)

    @extend_schema(request=CommentUpdateSerializer, responses={200: CommentSerializer})
    @idempotent
    def partial_update(self, request: Request, pk: str) -> Response:
        comment = self.get_object()
        serializer = CommentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = discussion.update_comment(
            user=request_user(request),
            comment=comment,
            body=serializer.validated_data["body"],
            base_version=serializer.validated_data.get("version"),
        )
        comment = with_comment_details(Comment.objects.filter(pk=comment.pk)).get()
        return with_version(Response(CommentSerializer(comment).data), comment.library)

    @extend_schema(responses={204: None})
    @idempotent
    def destroy(self, request: Request, pk: str) -> Response:
        comment = self.get_object()
        library = discussion.delete_comment(
            user=request_user(request),
            comment=comment,
            base_version=base_version_param(request),
        )
        return with_version(Response(status=status.HTTP_204_NO_CONTENT), library)


class SessionViewSet(viewsets.GenericViewSet[JournalClubSession]):
    """/labs/{lab}/sessions/: the journal club. Everyone in the lab reads; members run it."""

    serializer_class = SessionSerializer

    def lab(self) -> Lab:
        return member_lab(self.request, self.kwargs["lab_pk"])

    def sessions(self, lab: Lab) -> QuerySet[JournalClubSession]:
        return (
            JournalClubSession.objects.filter(library=lab.library)
            .select_related("entry", "presenter", "library")
            .prefetch_related(Prefetch("notes", queryset=Note.objects.order_by("id")))
        )

    def session(self, lab: Lab) -> JournalClubSession:
        return object_or_404(self.sessions(lab), self.kwargs["pk"])

    def presenter(self, lab: Lab, presenter_id: int | None) -> User | None:
        if presenter_id is None:
            return None
        found = User.objects.filter(pk=presenter_id, memberships__lab=lab).first()
        if found is None:
            raise ValidationError({"presenter": ["The presenter must be a member of the lab."]})
        return found

    def respond(self, session_id: int, lab: Lab, code: int = status.HTTP_200_OK) -> Response:
        session = self.sessions(lab).get(pk=session_id)
        return with_version(Response(SessionSerializer(session).data, status=code), session.library)

    @extend_schema(parameters=[SessionFilterSerializer])
    def list(self, request: Request, lab_pk: str) -> Response:
        lab = self.lab()
        filters = SessionFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = self.sessions(lab)
        when, now = filters.validated_data["when"], timezone.now()
        if when == "upcoming":
            rows = rows.filter(starts_at__gte=now, discussed_at__isnull=True)
        elif when == "past":
            rows = rows.filter(starts_at__lt=now)
        page = self.paginate_queryset(rows.order_by("starts_at", "id"))
        return self.get_paginated_response(SessionSerializer(page, many=True).data)

    def retrieve(self, request: Request, lab_pk: str, pk: str) -> Response:
        return Response(SessionSerializer(self.session(self.lab())).data)

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer})
    @idempotent
    def create(self, request: Request, lab_pk: str) -> Response:
        lab = self.lab()
        require_lab_role(lab, Role.MEMBER)
        serializer = SessionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = (
            Entry.objects.filter(library=lab.library, pk=data["entry"])
            .select_related("library__lab")
            .first()
        )
        if entry is None:
            raise ValidationError({"entry": ["No such entry in this lab's library."]})
        session = journal_club.schedule_session(
            user=request_user(request),
            entry=entry,
            starts_at=data["starts_at"],
            presenter=self.presenter(lab, data["presenter"]),
            duration_minutes=data["duration_minutes"],
            location=data["location"],
            time_zone=data["time_zone"],
        )
        return self.respond(session.pk, lab, status.HTTP_201_CREATED)

    @extend_schema(request=SessionUpdateSerializer, responses={200: SessionSerializer})
    @idempotent
    def partial_update(self, request: Request, lab_pk: str, pk: str) -> Response:
        lab = self.lab()
        require_lab_role(lab, Role.MEMBER)
        session = self.session(lab)
        serializer = SessionUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        base_version = changes.pop("version", None)
        if "presenter" in changes:
            changes["presenter"] = self.presenter(lab, changes["presenter"])
        journal_club.update_session(
            user=request_user(request),
            session=session,
            changes=changes,
            base_version=base_version,
        )
        return self.respond(session.pk, lab)

    @extend_schema(responses={204: None})
    @idempotent
    def destroy(self, request: Request, lab_pk: str, pk: str) -> Response:
        lab = self.lab()
        require_lab_role(lab, Role.MEMBER)
        session = self.session(lab)
        library = journal_club.cancel_session(
            user=request_user(request),
            session=session,
            base_version=base_version_param(request),
        )
        return with_version(Response(status=status.HTTP_204_NO_CONTENT), library)

    @extend_schema(request=DiscussedSerializer, responses={200: SessionSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def discussed(self, request: Request, lab_pk: str, pk: str) -> Response:
        """Mark the session as discussed and link the notes taken (notes on its entry)."""
        lab = self.lab()
        require_lab_role(lab, Role.MEMBER)
        session = self.session(lab)
        serializer = DiscussedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        wanted = set(serializer.validated_data["notes"])
        notes = list(Note.objects.filter(entry_id=session.entry_id, pk__in=wanted))
        if len(notes) != len(wanted):
            raise ValidationError({"notes": ["Link notes on the session's entry only."]})
        journal_club.mark_discussed(user=request_user(request), session=session, notes=notes)
        return self.respond(session.pk, lab)
