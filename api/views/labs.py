"""Labs: the lab itself, its members, invitations, activity, feeds, who-read-what and sharing.

A lab the user is not in does not exist for them (404); a member whose role is too weak for
an action gets 403. Roles are read from the database on every request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common import request_user
from api.idempotency import idempotent
from api.serializers.content import object_or_404
from api.serializers.labs import (
    ActivityPageSerializer,
    ActivitySerializer,
    FeedUrlsSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    LabNameSerializer,
    LabSerializer,
    ListRefSerializer,
    MemberSerializer,
    RoleChangeSerializer,
    TokenSerializer,
    TransferSerializer,
    WhoReadFilterSerializer,
    WhoReadSerializer,
)
from readinglist.access import lab_for, parse_id, require_lab_role
from readinglist.models import (
    Activity,
    Invitation,
    Lab,
    Library,
    Membership,
    ReadingList,
    User,
)
from readinglist.roles import Role
from readinglist.services import labs as lab_services
from readinglist.who_read import who_read

WHO_READ_MAX_ENTRIES = 200


def member_lab(request: Request, lab_id: object, *, at_least: Role = Role.VIEWER) -> Lab:
    """A lab the user is in (`access.lab_for`): outsiders never learn a lab exists."""
    return lab_for(request_user(request), lab_id, at_least=at_least)


def role_in(lab: Lab) -> Role:
    return Role(getattr(lab, "role"))  # noqa: B009 - annotated by of_member


class ActivityPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")


def feed_urls(request: Request, lab: Lab) -> dict[str, Any]:
    token = lab.feed_token
    if not token:
        return {"enabled": False, "calendar": None, "digest": None}
    return {
        "enabled": True,
        "calendar": request.build_absolute_uri(reverse("lab-calendar", args=[token])),
        "digest": request.build_absolute_uri(reverse("lab-digest-atom", args=[token])),
    }


class LabViewSet(viewsets.GenericViewSet[Lab]):
    serializer_class = LabSerializer

    def get_queryset(self) -> QuerySet[Lab]:
        if getattr(self, "swagger_fake_view", False):
            return Lab.objects.none()
        return Lab.objects.of_member(request_user(self.request)).order_by("name", "id")

    def get_object(self) -> Lab:
        return member_lab(self.request, self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(LabSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(LabSerializer(self.get_object()).data)

    @extend_schema(request=LabNameSerializer, responses={201: LabSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = LabNameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lab = lab_services.create_lab(
            owner=request_user(request), name=serializer.validated_data["name"]
        )
        return Response(
            LabSerializer(member_lab(request, lab.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=LabNameSerializer, responses={200: LabSerializer})
    @idempotent
    def partial_update(self, request: Request, pk: str) -> Response:
        lab = self.get_object()
        serializer = LabNameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lab_services.rename_lab(
            user=request_user(request), lab=lab, name=serializer.validated_data["name"]
        )
        return Response(LabSerializer(member_lab(request, lab.pk)).data)

    @extend_schema(responses={204: None})
    @idempotent
    def destroy(self, request: Request, pk: str) -> Response:
        lab = self.get_object()
        lab_services.delete_lab(user=request_user(request), lab=lab)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    @idempotent
    def leave(self, request: Request, pk: str) -> Response:
        lab = self.get_object()
        lab_services.leave_lab(user=request_user(request), lab=lab)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=TransferSerializer, responses={200: MemberSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def transfer(self, request: Request, pk: str) -> Response:
        lab = self.get_object()
        require_lab_role(lab, Role.OWNER)
        serializer = TransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = User.objects.filter(pk=serializer.validated_data["user"]).first()
        if target is None:
            raise ValidationError({"user": ["Only a member of the lab can become its owner."]})
        membership = lab_services.transfer_ownership(user=request_user(request), lab=lab, to=target)
        return Response(MemberSerializer(membership).data)

    @extend_schema(responses={200: ActivityPageSerializer})
    @action(detail=True, methods=["get"])
    def activity(self, request: Request, pk: str) -> Response:
        lab = self.get_object()
        rows = Activity.objects.filter(lab=lab).select_related("actor", "entry")
        paginator = ActivityPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ActivitySerializer(page, many=True).data)

    @extend_schema(responses={200: FeedUrlsSerializer})
    @action(detail=True, methods=["get"])
    def feeds(self, request: Request, pk: str) -> Response:
        """The lab's secret calendar (.ics) and digest (Atom) URLs, for any member to subscribe."""
        return Response(feed_urls(request, self.get_object()))

    @extend_schema(request=None, responses={200: FeedUrlsSerializer})
    @feeds.mapping.post
    @idempotent
    def rotate_feeds(self, request: Request, pk: str) -> Response:
        """New secret URLs (admins): the old ones stop working at once."""
        lab = self.get_object()
        lab_services.rotate_feed_token(user=request_user(request), lab=lab)
        lab.refresh_from_db(fields=["feed_token"])
        return Response(feed_urls(request, lab))

    @extend_schema(responses={204: None})
    @feeds.mapping.delete
    @idempotent
    def disable_feeds(self, request: Request, pk: str) -> Response:
        lab = self.get_object()
        lab_services.disable_feeds(user=request_user(request), lab=lab)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ListRefSerializer, responses={201: None})
    @action(detail=True, methods=["post"], url_path="shared-lists")
    @idempotent
    def share_list(self, request: Request, pk: str) -> Response:
        """Copy one of your personal reading lists into the lab library (a snapshot)."""
        lab = self.get_object()
        require_lab_role(lab, Role.MEMBER)
        serializer = ListRefSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        source = (
            ReadingList.objects.filter(library__owner=user, library__kind=Library.Kind.PERSONAL)
            .select_related("library")
            .filter(pk=serializer.validated_data["list"])
            .first()
        )
        if source is None:
            raise ValidationError({"list": ["No such list among your personal lists."]})
        copy = lab_services.share_list_with_lab(user=user, reading_list=source, lab=lab)
        return Response(
            {"id": copy.pk, "library": copy.library_id, "name": copy.name},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(parameters=[WhoReadFilterSerializer], responses={200: WhoReadSerializer})
    @action(detail=True, methods=["get"], url_path="who-read")
    def who_read(self, request: Request, pk: str) -> Response:
        """Members x entries (of one lab list, or the newest lab entries): status and rating.

        Priority and private notes stay private; only status and rating are shared here.
        """
        lab = self.get_object()
        filters = WhoReadFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        table = who_read(
            lab, limit=WHO_READ_MAX_ENTRIES, reading_list_id=filters.validated_data.get("list")
        )
        rows = [
            {
                "entry": row.entry.pk,
                "title": row.entry.title,
                "states": {
                    str(user_id): {"status": state.status, "rating": state.rating}
                    for user_id, state in row.states.items()
                },
                "read_count": len(row.read_by),
                "nobody_read": not row.read_by,
                "top_rated_by": row.top_rated_by,
            }
            for row in table.rows
        ]
        members = [
            {"id": m.user_id, "name": m.user.display_name, "role": m.role} for m in table.members
        ]
        return Response({"members": members, "entries": rows})


class MemberViewSet(viewsets.GenericViewSet[Membership]):
    """/labs/{lab}/members/: everyone in the lab reads; admins and owners manage."""

    serializer_class = MemberSerializer

    def lab(self) -> Lab:
        return member_lab(self.request, self.kwargs["lab_pk"])

    def member(self, lab: Lab) -> User:
        raw = str(self.kwargs["pk"])
        user_id = parse_id(raw) or 0
        found = (
            Membership.objects.filter(lab=lab, user_id=user_id).select_related("user").first()
            if user_id
            else None
        )
        if found is None:
            raise NotFound("No such member.")
        return found.user

    def list(self, request: Request, lab_pk: str) -> Response:
        lab = self.lab()
        rows = Membership.objects.filter(lab=lab).select_related("user").order_by("joined_at", "id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(request=RoleChangeSerializer, responses={200: MemberSerializer})
    @idempotent
    def partial_update(self, request: Request, lab_pk: str, pk: str) -> Response:
        lab = self.lab()
        require_lab_role(lab, Role.ADMIN)
        member = self.member(lab)
        serializer = RoleChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = lab_services.change_role(
            user=request_user(request),
            lab=lab,
            member=member,
            role=Role(serializer.validated_data["role"]),
        )
        membership.user = member
        return Response(MemberSerializer(membership).data)

    @extend_schema(responses={204: None})
    @idempotent
    def destroy(self, request: Request, lab_pk: str, pk: str) -> Response:
        """Remove a member (admins and owners), or yourself (leave)."""
        lab = self.lab()
        member = self.member(lab)
        if member.pk != request_user(request).pk:
            require_lab_role(lab, Role.ADMIN)
        lab_services.remove_member(user=request_user(request), lab=lab, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(viewsets.GenericViewSet[Invitation]):
    """/labs/{lab}/invitations/: admins and owners invite (email or link) and revoke."""

    serializer_class = InvitationSerializer

    def lab(self) -> Lab:
        lab = member_lab(self.request, self.kwargs["lab_pk"])
        require_lab_role(lab, Role.ADMIN)
        return lab

    def list(self, request: Request, lab_pk: str) -> Response:
        rows = Invitation.objects.filter(lab=self.lab()).order_by("-created_at", "-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(InvitationSerializer(page, many=True).data)

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    @idempotent
    def create(self, request: Request, lab_pk: str) -> Response:
        lab = self.lab()
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        issued = lab_services.create_invitation(
            user=request_user(request),
            lab=lab,
            role=Role(data["role"]),
            email=data["email"],
            max_uses=data["max_uses"],
            expires_in=timedelta(days=data["expires_in_days"]),
        )
        body = dict(InvitationSerializer(issued.invitation).data)
        # The secret is in this response only (it is stored hashed); email ones are mailed.
        body["token"] = issued.token
        body["url"] = lab_services.invitation_url(issued.token)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    @idempotent
    def destroy(self, request: Request, lab_pk: str, pk: str) -> Response:
        """Revoke: the invitation stays listed (as revoked) but can no longer be used."""
        lab = self.lab()
        invitation = object_or_404(Invitation.objects.filter(lab=lab), pk)
        lab_services.revoke_invitation(user=request_user(request), invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AcceptInvitationView(APIView):
    @extend_schema(request=TokenSerializer, responses={200: LabSerializer, 201: LabSerializer})
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accepted = lab_services.accept_invitation(
            user=request_user(request), token=serializer.validated_data["token"]
        )
        lab = member_lab(request, accepted.membership.lab_id)
        code = status.HTTP_201_CREATED if accepted.joined else status.HTTP_200_OK
        return Response(LabSerializer(lab).data, status=code)


class DeclineInvitationView(APIView):
    @extend_schema(request=TokenSerializer, responses={204: None})
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lab_services.decline_invitation(
            user=request_user(request), token=serializer.validated_data["token"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PublicLinkViewSet(viewsets.ViewSet):
    """/public-links/: give a reading list a public read-only link, or revoke it.

    Personal lists: their owner; lab lists: the lab's owners and admins.
    """

    def lists(self) -> QuerySet[ReadingList]:
        visible = Library.objects.visible_to(request_user(self.request)).values("id")
        return ReadingList.objects.filter(library__in=visible).select_related("library__lab")

    def describe(self, request: Request, reading_list: ReadingList) -> dict[str, Any]:
        token = reading_list.public_token
        return {
            "list": reading_list.pk,
            "token": token,
            "url": request.build_absolute_uri(reverse("public-list", args=[token])),
            "atom": request.build_absolute_uri(reverse("public-list-atom", args=[token])),
        }

    @extend_schema(request=ListRefSerializer, responses={201: None})
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = ListRefSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reading_list = object_or_404(self.lists(), serializer.validated_data["list"])
        published = lab_services.publish_list(user=request_user(request), reading_list=reading_list)
        return Response(self.describe(request, published), status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    @idempotent
    def destroy(self, request: Request, pk: str) -> Response:
        reading_list = object_or_404(self.lists(), pk)
        lab_services.unpublish_list(user=request_user(request), reading_list=reading_list)
        return Response(status=status.HTTP_204_NO_CONTENT)
