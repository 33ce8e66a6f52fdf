from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from cchub.accounts.permissions import ADMIN_GROUP


def create_admin(username: str, email: str, password: str) -> Any:
    """Create (or promote) a network administrator with a validated password."""
    User = get_user_model()
    user = User.objects.filter(username=username).first() or User(username=username)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from exc
    user.email = email or user.email
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    group, _ = Group.objects.get_or_create(name=ADMIN_GROUP)
    user.groups.add(group)
    return user
