"""Decoding: images, video files and cameras into timestamped RGB frames."""

from typing import TYPE_CHECKING

from unmask.lazy import lazy_exports

if TYPE_CHECKING:
    from unmask.media.image import frame_from_array as frame_from_array
    from unmask.media.image import read_image as read_image
    from unmask.media.jpeg import recompressed as recompressed
    from unmask.media.source import is_video as is_video
    from unmask.media.source import iter_frames as iter_frames
    from unmask.media.video import read_video as read_video
    from unmask.media.video import video_info as video_info

# Resolved on first use, so a CLI command that only parses its arguments stays cheap.
EXPORTS = {
    "frame_from_array": "unmask.media.image",
    "is_video": "unmask.media.source",
    "iter_frames": "unmask.media.source",
    "read_image": "unmask.media.image",
    "read_video": "unmask.media.video",
    "recompressed": "unmask.media.jpeg",
    "video_info": "unmask.media.video",
}

__getattr__ = lazy_exports(__name__, EXPORTS)

__all__ = sorted(EXPORTS)
