"""The realism report's blink reading on real video: GRID clips whose blinks were counted frame
by frame by eye (25 fps; frames of each closure). Skipped when ../shared/data is absent."""

from __future__ import annotations

import pytest

from tests.shared import shared_path
from unmask.lab.realism import measure_clip

pytestmark = pytest.mark.integration

# Clip: blinks counted by eye (closed frames), and the fewest the report must find.
COUNTED = {
    "pwij3p.mpg": (2, 2),  # frames 34-37, 48-51
    "id2_vcd_swwp2s.mpg": (3, 2),  # frames 26-29, 43-46, 72-73
    "lwbsza.mpg": (0, 0),
    "swiz3n.mpg": (0, 0),
}


@pytest.mark.parametrize("clip", sorted(COUNTED))
def test_blinks_counted_by_eye_are_found_and_open_eyes_give_none(clip: str) -> None:
    stats = measure_clip(shared_path("video", "grid", clip))
    seen = round(stats.values["blink_rate"] * (stats.seconds + 1 / 25.0) / 60.0)
    counted, fewest = COUNTED[clip]
    assert fewest <= seen <= counted, f"{clip}: {seen} blinks read, {counted} counted by eye"
