"""Run profiles: the same code at two sizes.

``quick`` (the default) trains on subsets for few epochs, so the whole book builds on a laptop CPU
in minutes. ``full`` uses the course's own settings (all the data, all the epochs) and is meant for
a GPU. Choose with the environment variable ``BOOK_PROFILE``; a lesson asks for its sizes with
``profile.pick``::

    EPOCHS = profile.pick(quick=5, full=50)
"""

import os
from dataclasses import dataclass

ENV_VAR = "BOOK_PROFILE"
DEFAULT = "quick"
PROFILES = {
    "quick": "subsets of the data and few epochs, sized for a CPU",
    "full": "the course's own settings (all the data, all the epochs), sized for a GPU",
}


class UnknownProfileError(ValueError):
    """``BOOK_PROFILE`` names no profile."""


@dataclass(frozen=True)
class Profile:
    name: str

    def __post_init__(self):
        if self.name not in PROFILES:
            valid = ", ".join(PROFILES)
            raise UnknownProfileError(
                f"{ENV_VAR}={self.name!r} is not a profile. Valid profiles: {valid}. "
                f"Unset {ENV_VAR} for the default ({DEFAULT!r}), or set for example {ENV_VAR}=full."
            )

    @property
    def description(self) -> str:
        return PROFILES[self.name]

    def pick(self, *, quick, full):
        """The value that belongs to this profile."""
        return quick if self.name == "quick" else full


def current_profile() -> Profile:
    """The profile named by ``BOOK_PROFILE`` (``quick`` when unset or empty)."""
    return Profile(os.environ.get(ENV_VAR, "").strip().lower() or DEFAULT)
