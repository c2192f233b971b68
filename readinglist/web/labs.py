"""Lab pages: members and roles, invitations, activity, who read what, journal club.

Every write goes through `readinglist.services.labs`, which checks the role again inside its
transaction; what this module computes from the role only decides which forms to show.
A lab the user is not in is a 404, never a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Concatenate

from django import forms
from django.contrib import messages
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from readinglist.access import lab_for
from readinglist.models import (
    Activity,
    Invitation,
    JournalClubSession,
    Lab,
    Membership,
    User,
)
from readinglist.roles import INVITABLE_ROLES, Role
from readinglist.services import labs as lab_services
from readinglist.services.labs import (
    DEFAULT_INVITATION_DAYS,
    MAX_INVITATION_DAYS,
    MAX_INVITATION_USES,
    MAX_LAB_NAME_LENGTH,
)
from readinglist.web.common import (
    answering_refusals,
    back,
    current_user,
    form_errors,
    found,
    login_required,
    page_action,
)
from readinglist.who_read import lab_members, who_read

ACTIVITY_ROWS = 30
WHO_READ_ENTRIES = 20
SESSION_ROWS = 20
INVITATION_ROWS = 100

# Roles a form may offer when inviting: nobody joins as owner (ownership is transferred).
INVITE_ROLES = [(r.value, r.label) for r in INVITABLE_ROLES]


# Reads


def member_lab(request: HttpRequest, pk: int) -> Lab:
    """A lab the signed-in user is in, or 404: outsiders never learn a lab exists."""
    return found(lambda: lab_for(current_user(request), pk))


def my_role(lab: Lab) -> Role:
    return Role(getattr(lab, "role"))  # noqa: B009 - annotated by of_member


def roles_assignable_by(mine: Role) -> list[tuple[str, str]]:
    """The roles `mine` may give someone below owner (the `Role.can_manage` rule)."""
    return [(r.value, r.label) for r in Role if mine.can_manage(Role.MEMBER, r)]


def person(user: User | None) -> str:
    if user is None:
        return "A former member"
    return user.display_name


def lab_url(lab: Lab | int) -> str:
    return reverse("web:lab", args=[lab if isinstance(lab, int) else lab.pk])


def _labs_page(request: HttpRequest, /, *args: object, **kwargs: object) -> HttpResponse:
    return back(request, reverse("web:labs"))


def lab_action[**P](
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """`page_action` whose refusals lead back to the labs page when no page is named."""
    return page_action(answering_refusals(_labs_page)(view))


# Forms


class LabNameForm(forms.Form):
    name = forms.CharField(max_length=MAX_LAB_NAME_LENGTH)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class InvitationForm(forms.Form):
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=INVITE_ROLES, initial=Role.MEMBER.value)
    max_uses = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_INVITATION_USES, initial=1
    )
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=MAX_INVITATION_DAYS, initial=DEFAULT_INVITATION_DAYS
    )


class FeedsForm(forms.Form):
    action = forms.ChoiceField(choices=[("rotate", "rotate"), ("disable", "disable")])


# Pages


@login_required
def labs_page(request: HttpRequest) -> HttpResponse:
    labs = Lab.objects.of_member(current_user(request)).order_by("name", "id")
    return render(
        request,
        "web/labs/index.html",
        {
            "nav": "labs",
            "labs": [(lab, my_role(lab).label) for lab in labs],
            "max_name_length": MAX_LAB_NAME_LENGTH,
        },
    )


@dataclass(frozen=True)
class MemberRow:
    membership: Membership
    is_me: bool
    manageable: bool


@login_required
def lab_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    lab = member_lab(request, pk)
    mine = my_role(lab)
    library = lab.library
    members = lab_members(lab)
    member_rows = [
        MemberRow(
            membership=m,
            is_me=m.user_id == user.pk,
            manageable=m.user_id != user.pk and mine.can_manage(Role(m.role)),
        )
        for m in members
    ]
    is_admin = mine.can_moderate
    invitations: list[Invitation] = []
    if is_admin:
        invitations = list(
            Invitation.objects.filter(
                lab=lab,
                revoked_at__isnull=True,
                declined_at__isnull=True,
                expires_at__gt=timezone.now(),
                uses__lt=F("max_uses"),
            )
            .select_related("invited_by")
            .order_by("-created_at", "-id")[:INVITATION_ROWS]
        )
    activity = list(
        Activity.objects.filter(lab=lab)
        .select_related("actor", "entry")
        .order_by("-created_at", "-id")[:ACTIVITY_ROWS]
    )
    now = timezone.now()
    sessions = JournalClubSession.objects.filter(library=library).select_related(
        "entry", "presenter"
    )
    upcoming = list(sessions.filter(starts_at__gte=now).order_by("starts_at", "id")[:SESSION_ROWS])
    past = list(sessions.filter(starts_at__lt=now).order_by("-starts_at", "-id")[:SESSION_ROWS])
    feeds = None
    if lab.feed_token:
        feeds = {
            "calendar": request.build_absolute_uri(reverse("lab-calendar", args=[lab.feed_token])),
            "digest": request.build_absolute_uri(reverse("lab-digest-atom", args=[lab.feed_token])),
        }
    return render(
        request,
        "web/labs/lab.html",
        {
            "nav": "labs",
            "lab": lab,
            "library": library,
            "my_role": mine.label,
            "is_owner": mine == Role.OWNER,
            "sole_owner": mine == Role.OWNER
            and sum(1 for m in members if m.role == Role.OWNER) == 1,
            "is_admin": is_admin,
            "members": member_rows,
            "assignable_roles": roles_assignable_by(mine),
            "invitations": invitations,
            "invite_roles": INVITE_ROLES,
            "invitation_defaults": {
                "days": DEFAULT_INVITATION_DAYS,
                "max_days": MAX_INVITATION_DAYS,
                "max_uses": MAX_INVITATION_USES,
            },
            "activity": activity,
            "who_read_members": [m.user for m in members],
            "who_read": who_read(
                lab, limit=WHO_READ_ENTRIES, started_only=True, members=members
            ).rows,
            "upcoming": upcoming,
            "past": past,
            "feeds": feeds,
            "max_name_length": MAX_LAB_NAME_LENGTH,
        },
    )


# Actions on labs


@lab_action
def create(request: HttpRequest) -> HttpResponse:
    form = LabNameForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, reverse("web:labs"))
    lab = lab_services.create_lab(owner=current_user(request), name=form.cleaned_data["name"])
    messages.success(request, f"Created the lab “{lab.name}”. Invite people from its page.")
    return redirect("web:lab", pk=lab.pk)


@lab_action
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    lab = member_lab(request, pk)
    form = LabNameForm(request.POST)
    if form.is_valid():
        lab_services.rename_lab(user=current_user(request), lab=lab, name=form.cleaned_data["name"])
        messages.success(request, f"Renamed the lab to “{lab.name}”.")
    else:
        form_errors(request, form.errors)
    return back(request, lab_url(lab))


def _member(lab: Lab, user_id: int) -> User:
    membership = get_object_or_404(
        Membership.objects.select_related("user"), lab=lab, user_id=user_id
    )
    return membership.user


@lab_action
def change_role(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    lab = member_lab(request, pk)
    member = _member(lab, user_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        role = Role(form.cleaned_data["role"])
        lab_services.change_role(user=current_user(request), lab=lab, member=member, role=role)
        messages.success(request, f"{person(member)} is now {role.label.lower()}.")
    else:
        form_errors(request, form.errors)
    return back(request, lab_url(lab))


@lab_action
def remove_member(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    lab = member_lab(request, pk)
    member = _member(lab, user_id)
    user = current_user(request)
    lab_services.remove_member(user=user, lab=lab, member=member)
    if member.pk == user.pk:
        messages.success(request, f"You left “{lab.name}”.")
        return redirect("web:labs")
    messages.success(request, f"Removed {person(member)} from the lab.")
    return back(request, lab_url(lab))


@lab_action
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    lab = member_lab(request, pk)
    lab_services.leave_lab(user=current_user(request), lab=lab)
    messages.success(request, f"You left “{lab.name}”.")
    return redirect("web:labs")


@lab_action
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    lab = member_lab(request, pk)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, lab_url(lab))
    data = form.cleaned_data
    email = data["email"] or ""
    issued = lab_services.create_invitation(
        user=current_user(request),
        lab=lab,
        role=Role(data["role"]),
        email=email,
        max_uses=1 if email else (data["max_uses"] or 1),
        expires_in=timedelta(days=data["expires_in_days"]),
    )
    url = request.build_absolute_uri(reverse("web:invitation", args=[issued.token]))
    if email:
        messages.success(
            request,
            f"Invitation emailed to {email}. Its link (shown only this once): {url}",
        )
    else:
        messages.success(
            request,
            f"Invitation link (shown only this once; copy it now): {url}",
        )
    return back(request, lab_url(lab))


@lab_action
def revoke(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    lab = member_lab(request, pk)
    invitation = get_object_or_404(Invitation, lab=lab, pk=invitation_id)
    lab_services.revoke_invitation(user=current_user(request), invitation=invitation)
    messages.success(request, "Invitation revoked: its link no longer works.")
    return back(request, lab_url(lab))


@lab_action
def feeds(request: HttpRequest, pk: int) -> HttpResponse:
    lab = member_lab(request, pk)
    form = FeedsForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
    elif form.cleaned_data["action"] == "rotate":
        lab_services.rotate_feed_token(user=current_user(request), lab=lab)
        messages.success(request, "New calendar and digest URLs; any old ones stopped working.")
    else:
        lab_services.disable_feeds(user=current_user(request), lab=lab)
        messages.success(request, "Calendar and digest feeds are off.")
    return back(request, lab_url(lab))


# Invitations, as the invited person sees them


def _invitation_problem(invitation: Invitation | None, user: User) -> str:
    """Why this user cannot use the invitation ("" if they can). For display only: accepting
    goes through the service, which checks again under a lock."""
    if invitation is None:
        return "This invitation link is not valid. Check that you copied all of it."
    if invitation.email and invitation.email.casefold() != user.email.casefold():
        return (
            "This invitation was sent to another email address. "
            "Sign in with that address to accept it."
        )
    if invitation.revoked_at is not None:
        return "This invitation was revoked."
    if invitation.declined_at is not None:
        return "This invitation was declined."
    if invitation.expires_at <= timezone.now():
        return "This invitation has expired. Ask for a new one."
    return ""


@login_required
def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    user = current_user(request)
    invitation = (
        Invitation.objects.select_related("lab", "invited_by")
        .filter(token=lab_services.hash_token(token))
        .first()
        if len(token) <= 100
        else None
    )
    problem = _invitation_problem(invitation, user)
    already_member = False
    if invitation is not None and not problem:
        already_member = Membership.objects.filter(lab=invitation.lab, user=user).exists()
        if not already_member and invitation.uses >= invitation.max_uses:
            problem = "This invitation has been used up. Ask for a new one."
    shown = invitation if not problem else None  # the lab's name only for its invitee
    context = {
        "nav": "labs",
        "token": token,
        "problem": problem,
        "invitation": shown,
        "role_label": Role(shown.role).label.lower() if shown else "",
        "inviter": person(shown.invited_by) if shown else "",
        "already_member": already_member,
    }
    status = 404 if invitation is None else 200
    return render(request, "web/labs/invitation.html", context, status=status)


def _invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    return redirect("web:invitation", token=token)


# Refusals (an unknown, used up or someone else's invitation) as messages on its page.
_invitation_errors = answering_refusals(_invitation_page)


@page_action
@_invitation_errors
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    accepted = lab_services.accept_invitation(user=current_user(request), token=token)
    lab = accepted.membership.lab
    if accepted.joined:
        role = Role(accepted.membership.role).label.lower()
        messages.success(request, f"Welcome to “{lab.name}”: you joined as {role}.")
    else:
        messages.info(request, f"You are already in “{lab.name}”.")
    return redirect("web:lab", pk=lab.pk)


@page_action
@_invitation_errors
def decline_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = lab_services.decline_invitation(user=current_user(request), token=token)
    # A link invitation may be meant for several people: declining only leaves it unused.
    if invitation.email:
        messages.success(request, "Invitation declined.")
    else:
        messages.info(request, "You did not join. The link stays valid for others.")
    return redirect("web:labs")
