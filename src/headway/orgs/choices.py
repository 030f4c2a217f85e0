from django.db import models


class Role(models.TextChoices):
    """A person's role in one organization; later roles include the powers of earlier ones."""

    VIEWER = "viewer", "Viewer"
    MEMBER = "member", "Member"
    LEAD = "lead", "Lead"
    ADMIN = "admin", "Admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)
