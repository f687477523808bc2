"""Safe renditions of inbound images: what the browser shows instead of the contact's bytes.

The bytes a contact sends are untrusted. The browser never receives them: every image an
agent sees or saves is a rendition made here with Pillow and re-encoded as a fresh JPEG.

* **Decoded with limits.** Only JPEG, PNG, GIF and WebP decoders are ever tried
  (``Image.open(..., formats=...)``); a file larger than ``MAX_SOURCE_BYTES`` is not read;
  the pixel count is read from the header and anything above ``MAX_PIXELS`` (40 megapixels,
  checked on every call, whatever ``Image.MAX_IMAGE_PIXELS`` says) is refused *before*
  any pixel is decoded, so a decompression bomb costs a header read. A truncated file is an
  error (``LOAD_TRUNCATED_IMAGES`` is never turned on).
* **What comes out.** The EXIF orientation is applied, then only the pixels of the first
  frame are kept: no EXIF (location!), no ICC profile, no comments, no XMP, no animation.
  Transparency is flattened onto white; the result is RGB JPEG.
* **Two kinds.** ``thumb`` fits in 240 x 240 (shown in a 160 px box, sharp on HiDPI) and
  ``full`` fits in 2048 x 2048: the "Open" view and the file an agent saves. Saving gives
  the re-encoded ``full`` rendition, not the original file, so metadata such as the
  contact's GPS position never leaves the server.
* **Cached on disk** as ``<media_id>-<kind>.jpg`` under ``$PARLEY_DATA_DIR/thumbnails``,
  written atomically. An image that cannot be rendered leaves ``<media_id>-<kind>.err``
  holding the reason, so a bad file is decoded once, not on every request.

``render`` is pure (bytes in, bytes out) and ``run_job`` takes and returns only plain,
picklable values: callers run it off the event loop, in a worker process
(``run.cpu_bound``) where a crashing decoder cannot take the server down, or a thread.
"""

from __future__ import annotations

import io
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
FORMAT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif",
                "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000
MAX_SOURCE_BYTES = 16 * 1024 * 1024  # inbound images are at most 5 MB
BACKGROUND = (255, 255, 255)
MEDIA_ID = re.compile(r"[A-Za-z0-9_-]{32,64}")  # the media store's ids
CONTENT_TYPE = "image/jpeg"  # of every rendition


@dataclass(frozen=True)
class Kind:
    name: str
    box: int  # longest side, in pixels
    quality: int


KINDS = {"thumb": Kind("thumb", 240, 80), "full": Kind("full", 2048, 85)}


class ThumbnailError(Exception):
    """This image cannot be shown: the message says why (for logs, not for contacts)."""


def render(data: bytes, kind: str, declared: str | None = None,
           max_pixels: int = MAX_PIXELS) -> bytes:
    """A clean JPEG rendition of ``data``; ``declared`` is the content type the sender
    claimed (refused when the bytes are something else). Raises ThumbnailError."""
    spec = KINDS[kind]
    if len(data) > MAX_SOURCE_BYTES:
        raise ThumbnailError("the file is too large")
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # someone turned it on globally: not for us
        raise ThumbnailError("truncated images must not be loaded")
    try:
        with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as source:
            width, height = source.size  # from the header: nothing decoded yet
            if width < 1 or height < 1:
                raise ThumbnailError("the image has no pixels")
            if width * height > max_pixels:
                raise ThumbnailError(
                    f"{width} x {height} pixels is more than {max_pixels:,}")
            actual = FORMAT_TYPES.get(source.format or "")
            if declared is not None and actual != declared:
                raise ThumbnailError(f"it says {declared} but holds {actual}")
            if source.format == "JPEG":
                source.draft(None, (spec.box, spec.box))  # decode at 1/2, 1/4 or 1/8 scale
            source.seek(0)  # the first frame of an animation
            source.load()
            upright = ImageOps.exif_transpose(source)
            flat = _flatten(upright)
        flat.thumbnail((spec.box, spec.box), Image.Resampling.LANCZOS, reducing_gap=3.0)
        clean = Image.new("RGB", flat.size, BACKGROUND)  # a fresh image carries no metadata
        clean.paste(flat)
        out = io.BytesIO()
        clean.save(out, "JPEG", quality=spec.quality, optimize=True, progressive=True)
        return out.getvalue()
    except ThumbnailError:
        raise
    except Image.DecompressionBombError as exc:
        raise ThumbnailError(f"too many pixels: {exc}") from None
    except UnidentifiedImageError:
        raise ThumbnailError("not a JPEG, PNG, GIF or WebP image") from None
    except MemoryError:
        raise ThumbnailError("not enough memory to decode the image") from None
    except Exception as exc:  # Pillow raises many kinds for damaged files
        raise ThumbnailError(f"damaged or truncated image ({type(exc).__name__}: {exc})") from None


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels only; transparent parts become white."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):  # 16-bit grey PNG
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    transparent = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        "transparency" in image.info
    )
    if not transparent:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, BACKGROUND)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


# -- the on-disk cache and the job a worker runs --------------------------------------------


@dataclass(frozen=True)
class RenditionJob:
    """Everything a worker process needs, as plain values (it is pickled)."""

    source: str  # the stored original
    target: str  # where the rendition goes
    kind: str
    declared: str | None = None


@dataclass(frozen=True)
class Outcome:
    path: str | None  # the rendition, or None when the image cannot be shown
    reason: str = ""


def run_job(job: RenditionJob) -> Outcome:
    """Render ``job`` and write the result (or the reason it failed) next to its target.

    Never raises: whatever goes wrong becomes an Outcome without a path."""
    target = Path(job.target)
    try:
        try:
            size = os.stat(job.source).st_size
            if size > MAX_SOURCE_BYTES:
                raise ThumbnailError("the file is too large")
            with open(job.source, "rb") as handle:
                data = handle.read(MAX_SOURCE_BYTES + 1)
        except OSError as exc:
            return Outcome(None, f"the stored image cannot be read ({exc.strerror})")
        rendition = render(data, job.kind, job.declared)
    except ThumbnailError as exc:
        _write(target.with_suffix(".err"), str(exc).encode("utf-8", "replace"))
        return Outcome(None, str(exc))
    except Exception as exc:  # never let a worker die on one image
        return Outcome(None, f"{type(exc).__name__}: {exc}")
    try:
        _write(target, rendition)
    except OSError as exc:
        return Outcome(None, f"the rendition cannot be stored ({exc.strerror})")
    return Outcome(str(target))


def _write(path: Path, data: bytes) -> None:
    """Write atomically: readers see the whole file or none."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class MediaFiles(Protocol):
    def path(self, media_id: str) -> Path: ...


class ThumbnailStore:
    """Renditions of the media store's images, cached under ``root``.

    ``state`` and ``job`` are cheap file-system calls; the Pillow work is ``run_job`` (also
    reachable as ``store.render_job``), which the caller runs off the event loop."""

    render_job = staticmethod(run_job)

    def __init__(self, root: Path, media: MediaFiles) -> None:
        self.root = root
        self.media = media
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, media_id: str, kind: str) -> Path:
        if kind not in KINDS or not MEDIA_ID.fullmatch(media_id):
            raise KeyError((media_id, kind))
        return self.root / f"{media_id}-{kind}.jpg"

    def state(self, media_id: str, kind: str) -> Path | str | None:
        """The cached rendition, the reason it cannot be made, or None (not made yet)."""
        path = self.path(media_id, kind)
        if path.is_file():
            return path
        failed = path.with_suffix(".err")
        if failed.is_file():
            return failed.read_text(encoding="utf-8", errors="replace") or "cannot be shown"
        return None

    def job(self, media_id: str, kind: str, declared: str | None = None) -> RenditionJob:
        return RenditionJob(str(self.media.path(media_id)), str(self.path(media_id, kind)),
                            kind, declared)

    def make(self, media_id: str, kind: str, declared: str | None = None) -> Path:
        """The rendition, made now in this thread if needed. Raises ThumbnailError."""
        state = self.state(media_id, kind)
        if isinstance(state, Path):
            return state
        if isinstance(state, str):
            raise ThumbnailError(state)
        outcome = run_job(self.job(media_id, kind, declared))
        if outcome.path is None:
            raise ThumbnailError(outcome.reason)
        return Path(outcome.path)

    def mark_failed(self, media_id: str, kind: str, reason: str) -> None:
        """Remember that this rendition cannot be made (e.g. its decoder crashed twice)."""
        _write(self.path(media_id, kind).with_suffix(".err"), reason.encode("utf-8", "replace"))

    def forget(self, media_id: str) -> None:
        """Remove every cached rendition of an image (when the image itself goes)."""
        for kind in KINDS:
            try:
                path = self.path(media_id, kind)
            except KeyError:
                return
            path.unlink(missing_ok=True)
            path.with_suffix(".err").unlink(missing_ok=True)
