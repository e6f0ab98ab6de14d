"""Photos of cards attached to cases: checked before decoding, stored without metadata.

The header is read first and a photo claiming more pixels than `WARRANTY_PHOTO_MAX_PIXELS`
is refused before a single pixel is decoded (a 69-byte PNG can claim 30000×30000). What
is kept is the image re-encoded from its pixels: no EXIF (GPS, camera serial, owner
name), no PNG text chunks, no embedded thumbnails; the EXIF orientation is applied first.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from cards.errors import ActionRefused

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SAVE_OPTIONS = {"JPEG": {"quality": 90}, "PNG": {"optimize": True}, "WEBP": {"quality": 90}}


def attachment_max_bytes() -> int:
    return int(getattr(settings, "WARRANTY_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def photo_max_pixels() -> int:
    return int(getattr(settings, "WARRANTY_PHOTO_MAX_PIXELS", 40_000_000))


def photo_cleaned(upload: UploadedFile) -> tuple[ContentFile, str]:
    """(the photo re-encoded without metadata, its content type), or a refusal."""
    limit = attachment_max_bytes()
    if upload.size is None or upload.size > limit:
        raise ActionRefused(_("The photo is larger than %(mb)s MB.") % {"mb": limit // 2**20})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            if image_format not in FORMATS:
                raise ActionRefused(_("Only JPEG, PNG or WebP photos are accepted."))
            width, height = image.size
            if width * height > photo_max_pixels():
                raise _too_many_pixels()
            pixels = ImageOps.exif_transpose(image)
            pixels.load()
    except Image.DecompressionBombError as exc:  # Pillow's own, far higher limit, on open
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ActionRefused(_("The file is not a readable photo.")) from exc
    finally:
        upload.seek(0)
    return ContentFile(_encoded(pixels, image_format), name=upload.name), FORMATS[image_format]


def _too_many_pixels() -> ActionRefused:
    return ActionRefused(_("The photo has too many pixels (over %(mpx)d megapixels); "
                           "send a smaller one.") % {"mpx": photo_max_pixels() // 1_000_000})


def _encoded(image: Image.Image, image_format: str) -> bytes:
    if image_format == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.info.clear()  # no text chunks, ICC-less: nothing rides along but the pixels
    image.save(out, format=image_format, **_SAVE_OPTIONS[image_format])
    return out.getvalue()
