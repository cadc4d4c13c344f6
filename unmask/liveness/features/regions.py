"""Named index sets of MediaPipe's canonical 468-point face mesh.

Cues talk about regions (cheeks, mouth, brows, eyelids), never raw indices, so the index
tables live here once. "Right" and "left" are the subject's own, as in the mesh.
"""

from __future__ import annotations

MESH_POINTS = 468

# Points that move with the skull, not with expressions: forehead, nose bridge, eye corners,
# temples. A rigid fit on these alone leaves expression in the residual of the other regions.
RIGID_ANCHORS = (
    10,
    151,
    9,
    8,
    109,
    338,
    67,
    297,
    6,
    168,
    197,
    195,
    5,
    4,
    33,
    133,
    263,
    362,
    127,
    356,
    234,
    454,
)

FOREHEAD = (10, 151, 9, 109, 67, 103, 338, 297, 332, 108, 69, 104, 337, 299, 333)
MOUTH = (
    61,
    146,
    91,
    181,
    84,
    17,
    314,
    405,
    321,
    375,
    291,
    409,
    270,
    269,
    267,
    0,
    37,
    39,
    40,
    185,
    78,
    95,
    88,
    178,
    87,
    14,
    317,
    402,
    318,
    324,
    308,
    415,
    310,
    311,
    312,
    13,
    82,
    81,
    80,
    191,
)
CHEEKS = (
    50,
    101,
    36,
    205,
    187,
    123,
    116,
    117,
    118,
    119,
    100,
    206,
    207,
    147,
    213,
    192,
    280,
    330,
    266,
    425,
    411,
    352,
    345,
    346,
    347,
    348,
    329,
    426,
    427,
    376,
    433,
    416,
)
BROWS = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46, 300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173)
LEFT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398)
EYELIDS = RIGHT_EYE + LEFT_EYE
# The same points in polygon order: lower lid outer to inner corner, then upper lid back.
RIGHT_EYE_OUTLINE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_EYE_OUTLINE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)

# Eye aspect ratio points per eye: outer corner, two upper lid, inner corner, two lower lid.
RIGHT_EAR = (33, 160, 158, 133, 153, 144)
LEFT_EAR = (263, 387, 385, 362, 380, 373)

NOSE_TIP = 1
RIGHT_INNER_CORNER, LEFT_INNER_CORNER = 133, 362
RIGHT_OUTER_CORNER, LEFT_OUTER_CORNER = 33, 263

EXPRESSION_REGIONS = {"mouth": MOUTH, "cheeks": CHEEKS, "brows": BROWS, "eyelids": EYELIDS}
