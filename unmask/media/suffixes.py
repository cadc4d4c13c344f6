"""File names of still images, in a module light enough for argument parsing to import."""

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".pgm", ".ppm", ".pnm", ".gif", ".tif", ".tiff"}
)
