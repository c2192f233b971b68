"""Labs: a group with roles and a shared library of its own.

Roles, strongest first: owner (everything, including deleting the lab and transferring it),
admin (members, invitations, lists), member (adds and edits entries, comments), viewer (reads).
Every check reads the membership row afresh, so a role change takes effect on the next request.
A lab always keeps at least one owner.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from readinglist.access import LabPermissionDenied, require_list_curator
from readinglist.errors import DomainError, ErrorKind
from readinglist.models import (
    Activity,
    Entry,
    Invitation,
    Lab,
    Library,
    ListFeedToken,
    Membership,
    ReadingList,
    ReadingListItem,
    User,
)
from readinglist.roles import Role
from readinglist.services.notifications import notify_invitation_accepted
from readinglist.services.versioning import begin_library_write

MAX_LAB_NAME_LENGTH = 200
MAX_INVITATION_USES = 1000
MAX_INVITATION_DAYS = 90
DEFAULT_INVITATION_DAYS = 14


class LastOwner(DomainError):
    """The change would leave the lab without an owner."""

    kind = ErrorKind.CONFLICT

    def __init__(self, reason: str) -> None:
        super().__init__(f"A lab needs an owner: {reason}.")


class MemberNotFound(DomainError):
    """The person named is not (or no longer) in the lab."""

    kind = ErrorKind.NOT_FOUND
    default_message = "That person is no longer in the lab."


class InvitationNotFound(DomainError):
    """No invitation has this token."""

    kind = ErrorKind.NOT_FOUND
    default_message = "This invitation link is not valid."


class TooManyInvitationEmails(DomainError):
    kind = ErrorKind.TOO_MANY
    default_message = "Too many invitation emails for now; try again later, or invite by link."


class InvitationUnusable(DomainError):
    """The invitation expired, was revoked, declined or used up."""

    kind = ErrorKind.GONE

    def __init__(self, reason: str) -> None:
        super().__init__(f"This invitation can no longer be used: {reason}.")
        self.reason = reason


class InvitationForSomeoneElse(DomainError, PermissionError):
    """An email invitation was opened by a user with a different address."""

    kind = ErrorKind.FORBIDDEN
    default_message = "This invitation was sent to another email address."


def hash_token(token: str) -> str:
    """Secrets are stored as their SHA-256 only: a database leak reveals no usable link."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def role_of(*, user: User, lab: Lab) -> Role | None:
    role = Membership.objects.filter(lab=lab, user=user).values_list("role", flat=True).first()
    return Role(role) if role is not None else None


def require_role(*, user: User, lab: Lab, at_least: Role) -> Role:
    role = role_of(user=user, lab=lab)
    if role is None or not role.at_least(at_least):
        raise LabPermissionDenied(f"needs the {at_least.label.lower()} role or above")
    return role


def clean_lab_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError({"name": "A lab needs a name."})
    if len(cleaned) > MAX_LAB_NAME_LENGTH:
        raise ValidationError({"name": f"At most {MAX_LAB_NAME_LENGTH} characters."})
    return cleaned


def record_activity(
    *, lab_id: int, actor: User | None, verb: Activity.Verb, entry_id: int | None = None
) -> Activity:
    return Activity.objects.create(lab_id=lab_id, actor=actor, verb=verb, entry_id=entry_id)


# Labs


def create_lab(*, owner: User, name: str) -> Lab:
    """A lab, its library and the creator as its owner, all or nothing."""
    with transaction.atomic():
        lab = Lab.objects.create(name=clean_lab_name(name))
        Membership.objects.create(lab=lab, user=owner, role=Membership.Role.OWNER)
        Library.objects.create(kind=Library.Kind.LAB, lab=lab, name=lab.name)
        record_activity(lab_id=lab.pk, actor=owner, verb=Activity.Verb.JOINED)
    return lab


def rename_lab(*, user: User, lab: Lab, name: str) -> Lab:
    """Owners only. The lab library takes the new name too (a library write: clients re-list)."""
    with transaction.atomic():
        require_role(user=user, lab=lab, at_least=Role.OWNER)
        lab.name = clean_lab_name(name)
        lab.save(update_fields=["name"])
        library = begin_library_write(library_id=Library.objects.get(lab=lab).pk)
        library.name = lab.name
        library.save(update_fields=["name"])
    return lab


def delete_lab(*, user: User, lab: Lab) -> None:
    """Owners only: the lab, its library and everything in it go."""
    with transaction.atomic():
        require_role(user=user, lab=lab, at_least=Role.OWNER)
        lab.delete()


# Members


def add_member(*, lab: Lab, user: User, role: Role = Role.MEMBER) -> Membership:
    with transaction.atomic():
        membership, created = Membership.objects.update_or_create(
            lab=lab, user=user, defaults={"role": role}
        )
        if created:
            record_activity(lab_id=lab.pk, actor=user, verb=Activity.Verb.JOINED)
    return membership


def _owner_count(lab: Lab) -> int:
    return Membership.objects.filter(lab=lab, role=Role.OWNER).count()


def change_role(*, user: User, lab: Lab, member: User, role: Role) -> Membership:
    with transaction.atomic():
        # Lock the lab's memberships so two demotions cannot both pass the last-owner check.
        rows = {m.user_id: m for m in Membership.objects.select_for_update().filter(lab=lab)}
        mine, theirs = rows.get(user.pk), rows.get(member.pk)
        if mine is None:
            raise LabPermissionDenied("not a member")
        if theirs is None:
            raise MemberNotFound()
        if not Role(mine.role).can_manage(Role(theirs.role), role):
            raise LabPermissionDenied("your role cannot make this change")
        if theirs.role == Role.OWNER and role != Role.OWNER and _owner_count(lab) <= 1:
            raise LastOwner("a lab needs at least one owner")
        theirs.role = role
        theirs.save(update_fields=["role"])
        if not role.can_moderate:
            _revoke_feed_links_of(member=member, lab=lab)
    return theirs


def remove_member(*, user: User, lab: Lab, member: User) -> None:
    """Remove someone (admins: members and viewers; owners: anyone) or leave (yourself)."""
    with transaction.atomic():
        rows = {m.user_id: m for m in Membership.objects.select_for_update().filter(lab=lab)}
        mine, theirs = rows.get(user.pk), rows.get(member.pk)
        if mine is None:
            raise LabPermissionDenied("not a member")
        if theirs is None:
            raise MemberNotFound()
        if user.pk != member.pk and not Role(mine.role).can_manage(Role(theirs.role)):
            raise LabPermissionDenied("your role cannot remove this member")
        if theirs.role == Role.OWNER and _owner_count(lab) <= 1:
            raise LastOwner("the last owner cannot leave; transfer the lab or delete it")
        theirs.delete()
        _revoke_feed_links_of(member=member, lab=lab)
        record_activity(lab_id=lab.pk, actor=member, verb=Activity.Verb.LEFT)


def _revoke_feed_links_of(*, member: User, lab: Lab) -> None:
    """A secret .bib URL lasts as long as its maker may make one: someone who leaves the lab,
    or is no longer an admin, takes theirs with them."""
    ListFeedToken.objects.filter(created_by=member, reading_list__library__lab=lab).delete()


def leave_lab(*, user: User, lab: Lab) -> None:
    remove_member(user=user, lab=lab, member=user)


def transfer_ownership(*, user: User, lab: Lab, to: User) -> Membership:
    """An owner hands the lab to another member, who becomes owner; the giver becomes admin."""
    with transaction.atomic():
        rows = {m.user_id: m for m in Membership.objects.select_for_update().filter(lab=lab)}
        mine, theirs = rows.get(user.pk), rows.get(to.pk)
        if mine is None or mine.role != Role.OWNER:
            raise LabPermissionDenied("only an owner can transfer the lab")
        if theirs is None:
            raise ValidationError({"user": "Only a member of the lab can become its owner."})
        if theirs.pk == mine.pk:
            raise ValidationError({"user": "You already own this lab."})
        theirs.role = Role.OWNER
        theirs.save(update_fields=["role"])
        mine.role = Role.ADMIN
        mine.save(update_fields=["role"])
    return theirs


# Invitations


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # the secret: shown once, never stored


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL}/invitations/{token}/"


def create_invitation(
    *,
    user: User,
    lab: Lab,
    role: Role = Role.MEMBER,
    email: str = "",
    max_uses: int = 1,
    expires_in: timedelta = timedelta(days=DEFAULT_INVITATION_DAYS),
) -> IssuedInvitation:
    """Admins and owners invite: by email (single use, mailed) or by link (up to `max_uses`)."""
    if role == Role.OWNER:
        raise ValidationError({"role": "Nobody joins as owner; transfer the lab instead."})
    if not 1 <= max_uses <= MAX_INVITATION_USES:
        raise ValidationError({"max_uses": f"Between 1 and {MAX_INVITATION_USES}."})
    if not timedelta(minutes=5) <= expires_in <= timedelta(days=MAX_INVITATION_DAYS):
        raise ValidationError({"expires_in_days": f"At most {MAX_INVITATION_DAYS} days."})
    email = email.strip()
    if email and max_uses != 1:
        raise ValidationError({"max_uses": "An email invitation is for one person."})
    with transaction.atomic():
        require_role(user=user, lab=lab, at_least=Role.ADMIN)
        if email:
            _check_email_allowance(user=user, lab=lab)
        token = new_token()
        invitation = Invitation.objects.create(
            lab=lab,
            email=email,
            role=role,
            token=hash_token(token),
            invited_by=user,
            expires_at=timezone.now() + expires_in,
            max_uses=max_uses,
        )
        if email:
            message = _invitation_message(invitation, inviter=user, token=token)
            transaction.on_commit(
                lambda: send_mail(
                    subject=INVITATION_SUBJECT,
                    message=message,
                    from_email=None,
                    recipient_list=[email],
                )
            )
    return IssuedInvitation(invitation=invitation, token=token)


# Fixed: what an inviter typed (their name, the lab's) never makes the subject line.
INVITATION_SUBJECT = "An invitation to a lab on Reading List"


def _invitation_message(invitation: Invitation, *, inviter: User, token: str) -> str:
    """The mail's text, the inviter's words set apart as quoted: the mail is ours, they are
    theirs."""
    role = Role(invitation.role).label.lower()
    return (
        f"Someone with an account on Reading List invited you to join a lab as {role}. "
        "They wrote these details themselves:\n\n"
        f"> Lab: {_quoted(invitation.lab.name)}\n"
        f"> From: {_quoted(inviter.name or inviter.email)}\n\n"
        f"Accept or decline: {invitation_url(token)}\n\n"
        f"The invitation expires on {invitation.expires_at:%Y-%m-%d %H:%M} UTC. If you did not "
        "expect it, ignore this message: nothing happens unless you accept."
    )


def _quoted(text: str) -> str:
    return " ".join(text.split())[:200]


def _check_email_allowance(*, user: User, lab: Lab) -> None:
    now = timezone.now()
    emailed = Invitation.objects.exclude(email="")
    by_account = emailed.filter(invited_by=user, created_at__gte=now - timedelta(hours=1))
    by_lab = emailed.filter(lab=lab, created_at__gte=now - timedelta(days=1))
    if (
        by_account.count() >= settings.INVITATION_EMAILS_PER_ACCOUNT_HOUR
        or by_lab.count() >= settings.INVITATION_EMAILS_PER_LAB_DAY
    ):
        raise TooManyInvitationEmails()


def revoke_invitation(*, user: User, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        require_role(user=user, lab=invitation.lab, at_least=Role.ADMIN)
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
    return invitation


def _usable_invitation(token: str, user: User) -> Invitation:
    """The invitation for `token`, locked; raises unless `user` may still use it."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("lab")
        .filter(token=hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationNotFound()
    if invitation.email and invitation.email.casefold() != user.email.casefold():
        raise InvitationForSomeoneElse()
    if invitation.revoked_at is not None:
        raise InvitationUnusable("revoked")
    if invitation.declined_at is not None:
        raise InvitationUnusable("declined")
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable("expired")
    return invitation


@dataclass(frozen=True)
class Acceptance:
    membership: Membership
    joined: bool  # False: the user was already in the lab (their role is kept)


def accept_invitation(*, user: User, token: str) -> Acceptance:
    """Join the lab. Someone already in it keeps their role and uses up nothing."""
    with transaction.atomic():
        invitation = _usable_invitation(token, user)
        existing = Membership.objects.filter(lab=invitation.lab, user=user).first()
        if existing is not None:
            return Acceptance(membership=existing, joined=False)
        if invitation.uses >= invitation.max_uses:
            raise InvitationUnusable("used up")
        invitation.uses += 1
        invitation.save(update_fields=["uses"])
        membership = Membership.objects.create(
            lab=invitation.lab, user=user, role=Role(invitation.role)
        )
        record_activity(lab_id=invitation.lab_id, actor=user, verb=Activity.Verb.JOINED)
        notify_invitation_accepted(invitation=invitation, joined=user)
    return Acceptance(membership=membership, joined=True)


def decline_invitation(*, user: User, token: str) -> Invitation:
    """An email invitation is closed for good; a link one is simply left unused."""
    with transaction.atomic():
        invitation = _usable_invitation(token, user)
        if invitation.email:
            invitation.declined_at = timezone.now()
            invitation.save(update_fields=["declined_at"])
    return invitation


# Feeds


def rotate_feed_token(*, user: User, lab: Lab) -> str:
    """A new secret for the lab's .ics and Atom URLs (the old URLs stop working at once).

    Every member may read the URLs (to subscribe); admins rotate them, e.g. after someone left.
    """
    with transaction.atomic():
        require_role(user=user, lab=lab, at_least=Role.ADMIN)
        token = new_token()
        lab.feed_token = token
        lab.save(update_fields=["feed_token"])
    return token


def disable_feeds(*, user: User, lab: Lab) -> None:
    with transaction.atomic():
        require_role(user=user, lab=lab, at_least=Role.ADMIN)
        lab.feed_token = None
        lab.save(update_fields=["feed_token"])


def lab_for_feed_token(token: str) -> Lab | None:
    if not token or len(token) > 100:
        return None
    return Lab.objects.filter(feed_token=token).first()


# Sharing lists


def share_list_with_lab(*, user: User, reading_list: ReadingList, lab: Lab) -> ReadingList:
    """Copy one of the user's personal lists into the lab library (a snapshot, not a live view).

    A copy because the two libraries sync and are permissioned separately: the lab can reorder
    and annotate its copy while the person keeps curating theirs, and nothing private (reading
    state, private notes) crosses over. Entries the lab already has are reused, not duplicated.
    """
    with transaction.atomic():
        source = reading_list.library
        if source.kind != Library.Kind.PERSONAL or source.owner_id != user.pk:
            raise ValidationError({"list": "Share one of your own personal lists."})
        require_role(user=user, lab=lab, at_least=Role.MEMBER)
        items = list(
            ReadingListItem.objects.filter(reading_list=reading_list)
            .select_related("entry")
            .order_by("position", "id")
        )
        library = begin_library_write(library_id=Library.objects.get(lab=lab).pk)
        papers = [item.entry.paper_id for item in items]
        have = {e.paper_id: e for e in Entry.objects.filter(library=library, paper_id__in=papers)}
        for paper_id in papers:
            if paper_id not in have:
                have[paper_id] = Entry.objects.create(
                    library=library, paper_id=paper_id, added_by=user, version=library.version
                )
        copy = ReadingList.objects.create(
            library=library,
            name=reading_list.name,
            description=reading_list.description,
            version=library.version,
        )
        ReadingListItem.objects.bulk_create(
            [
                ReadingListItem(
                    library=library,
                    reading_list=copy,
                    entry=have[paper_id],
                    position=(index + 1) * 1024,
                    version=library.version,
                )
                for index, paper_id in enumerate(dict.fromkeys(papers))
            ]
        )
        record_activity(lab_id=lab.pk, actor=user, verb=Activity.Verb.SHARED)
    return copy


def publish_list(*, user: User, reading_list: ReadingList) -> ReadingList:
    """Give the list a public read-only link (kept if it already has one)."""
    with transaction.atomic():
        require_list_curator(user=user, reading_list=reading_list)
        library = begin_library_write(library_id=reading_list.library_id)
        reading_list = ReadingList.objects.get(pk=reading_list.pk)
        if not reading_list.public_token:
            reading_list.public_token = new_token()
        reading_list.version = library.version
        reading_list.save(update_fields=["public_token", "version", "updated_at"])
    return reading_list


def unpublish_list(*, user: User, reading_list: ReadingList) -> ReadingList:
    """Revoke the public link: the old URL is dead at once; publishing again makes a new one."""
    with transaction.atomic():
        require_list_curator(user=user, reading_list=reading_list)
        library = begin_library_write(library_id=reading_list.library_id)
        reading_list = ReadingList.objects.get(pk=reading_list.pk)
        reading_list.public_token = None
        reading_list.version = library.version
        reading_list.save(update_fields=["public_token", "version", "updated_at"])
    return reading_list
