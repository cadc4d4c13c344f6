"""Names the liveness stage shares with the command line, kept free of numerical imports so
that `unmask liveness --help` (and every command that borrows its flags) starts at once."""

from __future__ import annotations

#: Extra cameras whose registered maps the channel cues read, in the order they are reported.
CHANNEL_NAMES = ("thermal", "nir", "depth")
#: Video read per presentation by default: a missing pulse counts only after 10 s.
DEFAULT_MAX_SECONDS = 12.0
#: An active-liveness challenge by default: every family of prompts, 8 s long, valid 2 min.
DEFAULT_KINDS = ("pose", "blink", "expression", "flash")
DEFAULT_SECONDS = 8.0
DEFAULT_TTL = 120.0
