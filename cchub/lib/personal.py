"""A person, as the GDPR rights of access and erasure see them: an e-mail address and, when
they have one, their account. The apps' ``personal`` modules export and erase what they
hold about a person; ``cchub.privacy`` calls them in turn."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

REMOVED = "[removed]"


@dataclass
class Person:
    email: str
    user: Any = None
    extra_names: list[str] = field(default_factory=list)  # names seen on their tickets

    @property
    def identifiers(self) -> list[str]:
        """What identifies the person in free text: the address, the account's name and user
        name, and the names they gave (longest first, so a full name goes before a part)."""
        found = [self.email, *self.extra_names]
        if self.user is not None:
            found += [self.user.get_full_name(), self.user.get_username(), self.user.email]
        return sorted({x.strip() for x in found if x and len(x.strip()) >= 3}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` with every identifier of the person replaced by ``[removed]``."""
        for value in self.identifiers:
            text = re.sub(re.escape(value), REMOVED, text, flags=re.IGNORECASE)
        return text

    def scrub_value(self, value: Any) -> Any:
        """The same for JSON-shaped values (history diffs)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub_value(v) for k, v in value.items()}
        return value
