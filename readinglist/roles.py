"""Lab roles and what each one may do: the one role ladder every check asks.

Owners run the lab; admins moderate and manage members and viewers (not each other); members
add, tag and discuss; viewers read. A personal library's owner counts as its owner.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, floor: Role) -> bool:
        return self.rank >= floor.rank

    @property
    def can_edit(self) -> bool:
        """Add, tag, annotate and discuss in the lab library."""
        return self.at_least(Role.MEMBER)

    @property
    def can_moderate(self) -> bool:
        """Remove others' comments and annotations; publish lists; manage members."""
        return self.at_least(Role.ADMIN)

    def can_manage(self, target: Role, new_role: Role | None = None) -> bool:
        """Change `target`'s role (to `new_role`) or remove them. Owners manage anyone.
        Admins manage members and viewers and may make them admins, but an admin is
        answerable to the owners only: no admin demotes or removes another (or an owner)."""
        if self is Role.OWNER:
            return True
        if self is not Role.ADMIN or target in (Role.OWNER, Role.ADMIN):
            return False
        return new_role is not Role.OWNER


_RANKS = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}
# Nobody joins as owner: ownership is transferred.
INVITABLE_ROLES = (Role.MEMBER, Role.VIEWER, Role.ADMIN)
EDITOR_ROLES = tuple(role.value for role in Role if role.can_edit)
MODERATOR_ROLES = tuple(role.value for role in Role if role.can_moderate)
