"""Named index sets of MediaPipe's canonical 468-point face mesh: the one home for them.

Detection, pulse, cues and the attack lab talk about parts of the face (cheeks, mouth, brows,
eyelids, the oval), never raw indices, so every index table lives here once and a part means
the same points everywhere. "Right" and "left" are the subject's own, as in the mesh.
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
RIGHT_BROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
LEFT_BROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
BROWS = RIGHT_BROW + LEFT_BROW
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
# Inner lip midpoints (upper, lower): their gap is the mouth opening.
UPPER_LIP_INNER, LOWER_LIP_INNER = 13, 14
LIP_MIDDLE = (UPPER_LIP_INNER, LOWER_LIP_INNER)  # inner upper and lower lip on the midline
MOUTH_CORNERS = (61, 291)
# One point in the middle of each cheek (subject's right, left).
CHEEK_CENTRES = (50, 280)

# Contours in drawing order (MediaPipe's face_mesh_connections).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
             377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67,
             109)  # fmt: skip
LIPS_OUTLINE = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181,
                91, 146)  # fmt: skip

# Skin patches the pulse is read from, by name. They do not overlap, so each is an independent
# look at the same blood pulse. The periocular patches are a ring of skin between the eye
# opening and the brow: inside a mask's eye holes this is the wearer's own skin.
SKIN_POLYGONS: dict[str, tuple[int, ...]] = {
    "forehead": (109, 67, 66, 107, 9, 336, 296, 297, 338, 10),
    "right_cheek": (117, 118, 119, 100, 142, 36, 206, 207, 187, 147, 123),
    "left_cheek": (346, 347, 348, 329, 371, 266, 426, 427, 411, 376, 352),
    "nose": (168, 412, 343, 437, 4, 217, 114, 188),
    "chin": (204, 83, 18, 313, 424, 369, 175, 140),
    "right_periocular": (35, 124, 46, 53, 52, 65, 55, 243, 233, 232, 231, 230, 229, 228, 31),
    "left_periocular": (265, 353, 276, 283, 282, 295, 285, 463, 453, 452, 451, 450, 449, 448, 261),
}
RIGHT_INNER_CORNER, LEFT_INNER_CORNER = 133, 362
RIGHT_OUTER_CORNER, LEFT_OUTER_CORNER = 33, 263

EXPRESSION_REGIONS = {"mouth": MOUTH, "cheeks": CHEEKS, "brows": BROWS, "eyelids": EYELIDS}
