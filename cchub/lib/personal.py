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

    def identifiers(self, broad: bool = True) -> list[str]:
        """What identifies the person in free text: the address, the account's name and user
        name, and the names they gave (longest first, so a full name goes before a part).
        Narrow (``broad=False``, for texts that are not theirs, such as history): only
        addresses and names of two words or more, so that a one-word name or a user name
        such as "data" does not take a common word out of other people's records."""
        found = [self.email, *self.extra_names]
        if self.user is not None:
            found += [self.user.get_full_name(), self.user.get_username(), self.user.email]
        values = {x.strip() for x in found if x and len(x.strip()) >= 3}
        if not broad:
            values = {x for x in values if "@" in x or " " in x}
        return sorted(values, key=len, reverse=True)

    def scrub(self, text: str, broad: bool = True) -> str:
        """``text`` with every identifier of the person replaced by ``[removed]``."""
        for value in self.identifiers(broad):
            text = re.sub(re.escape(value), REMOVED, text, flags=re.IGNORECASE)
        return text

    def scrub_value(self, value: Any, broad: bool = True) -> Any:
        """The same for JSON-shaped values (history diffs)."""
        if isinstance(value, str):
            return self.scrub(value, broad)
        if isinstance(value, list):
            return [self.scrub_value(v, broad) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub_value(v, broad) for k, v in value.items()}
        return value
