"""Decoding: images, video files and cameras into timestamped RGB frames."""

from unmask.media.image import frame_from_array, read_image
from unmask.media.source import is_video, iter_frames
from unmask.media.video import read_video, video_info

__all__ = ["frame_from_array", "is_video", "iter_frames", "read_image", "read_video", "video_info"]
