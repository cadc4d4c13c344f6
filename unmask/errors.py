"""One exception hierarchy for the whole package.

Every error carries a message a user can act on and the exit code the CLI turns it into, so the
CLI never has to guess how bad something was and scripts can branch on the code.
"""

from __future__ import annotations


class UnmaskError(Exception):
    """Base of every error unmask raises on purpose."""

    exit_code = 1


class InputError(UnmaskError):
    """The caller handed us something we cannot use (bad argument, bad file)."""

    exit_code = 2


class UsageError(InputError):
    """A command line the argument parser refuses; `usage` is the command's usage line."""

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(message)
        self.usage = usage


class MediaNotFoundError(InputError):
    """A file or camera that does not exist or cannot be opened."""

    exit_code = 3


class CorruptMediaError(InputError):
    """A file that exists but cannot be decoded: corrupt, truncated or not media at all."""

    exit_code = 4


class UnsupportedMediaError(InputError):
    """A readable file in a format or shape we refuse (absurd sizes, unknown formats)."""

    exit_code = 4


class NoFaceError(InputError):
    """The media holds no face we could find."""

    exit_code = 5


class MultipleFacesError(InputError):
    """The operation needs exactly one face and the media holds several."""

    exit_code = 6


class GalleryError(UnmaskError):
    """A problem with the enrolled gallery."""

    exit_code = 7


class EmptyGalleryError(GalleryError):
    """Identification against a gallery that has no templates."""

    exit_code = 8


class UnknownIdentityError(GalleryError):
    """An identity name the gallery does not hold."""

    exit_code = 9


class IncompatibleGalleryError(GalleryError):
    """A gallery file that is not ours, or was written by a newer schema."""

    exit_code = 10


class DatabaseUnavailableError(GalleryError):
    """A gallery database server (PostgreSQL) that cannot be reached or went away: nothing is
    wrong with the gallery, so retrying later may work."""

    exit_code = 14


class ModelError(UnmaskError):
    """A model file is missing, unreadable, or of an incompatible version."""

    exit_code = 11


class ProtocolError(InputError):
    """A dataset protocol or scores file that does not follow the documented format."""

    exit_code = 12


class ChallengeError(UnmaskError):
    """An active-liveness challenge that cannot be accepted: unsigned or forged, expired, already
    spent, or checked against a capture made for another challenge."""

    exit_code = 13


class LockedOutError(UnmaskError):
    """A claimed identity or an API key locked after repeated attack verdicts; an admin
    unlocks it (`unmask keys unlock`, or the service's unlock endpoint)."""

    exit_code = 15
