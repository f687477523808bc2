"""Thumbnails and full views of untrusted images: decoded with limits, cleaned, cached."""

from __future__ import annotations

import io
import pickle
import struct
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from storage.media import FileMediaStore
from storage.thumbnails import (
    KINDS,
    MAX_PIXELS,
    Outcome,
    RenditionJob,
    ThumbnailError,
    ThumbnailStore,
    render,
    run_job,
)

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int], slack: int = 40) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(pixel[:3], colour, strict=True))


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int, idat: bytes = b"garbage") -> bytes:
    """A PNG whose header claims ``width`` x ``height``; the pixel data is not real."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any pixel data is decoded."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


# -- what comes out --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_every_allowed_format_becomes_a_small_jpeg(fmt: str) -> None:
    source = encode(Image.new("RGB", (1200, 600), BLUE), fmt)

    thumb = decoded(render(source, "thumb"))

    assert thumb.format == "JPEG"
    assert thumb.mode == "RGB"
    assert thumb.size == (240, 120)
    assert close_to(thumb.getpixel((120, 60)), BLUE)


def test_the_full_view_is_capped_at_2048_pixels_and_small_images_are_not_enlarged() -> None:
    big = encode(Image.new("RGB", (3000, 1000), GREEN), "JPEG")
    small = encode(Image.new("RGB", (300, 200), GREEN), "PNG")

    assert decoded(render(big, "full")).size == (2048, 683)
    assert decoded(render(small, "full")).size == (300, 200)
    assert decoded(render(small, "thumb")).size == (240, 160)
    assert KINDS["thumb"].box == 240 and KINDS["full"].box == 2048


def exif_rotated_jpeg() -> bytes:
    """200 x 100 stored, red on the left; EXIF says: turn 90 degrees clockwise to view.
    It also carries a GPS position, a comment and an ICC profile, all of which must go."""
    image = Image.new("RGB", (200, 100), BLUE)
    image.paste(RED, (0, 0, 100, 100))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)}  # GPS
    return encode(image, "JPEG", exif=exif.tobytes(), comment=b"secret note",
                  icc_profile=b"\0" * 128, quality=95)


def test_exif_orientation_is_applied_and_all_metadata_is_dropped() -> None:
    source = exif_rotated_jpeg()
    assert decoded(source).getexif().get(0x0112) == 6

    for kind in ("thumb", "full"):
        out = decoded(render(source, kind))
        assert out.size == (100, 200)  # upright: portrait
        assert close_to(out.getpixel((50, 40)), RED)  # the stored left is now the top
        assert close_to(out.getpixel((50, 160)), BLUE)
        assert len(out.getexif()) == 0
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(out.info)


def test_an_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (64, 64), colour) for colour in (RED, GREEN, BLUE)]
    source = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100,
                    loop=0)
    assert Image.open(io.BytesIO(source)).n_frames == 3

    out = decoded(render(source, "thumb"))

    assert getattr(out, "n_frames", 1) == 1
    assert close_to(out.getpixel((32, 32)), RED)


def test_an_animated_webp_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (64, 64), colour) for colour in (GREEN, RED)]
    source = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)

    assert close_to(decoded(render(source, "thumb")).getpixel((32, 32)), GREEN)


def test_a_cmyk_jpeg_becomes_rgb() -> None:
    source = encode(Image.new("CMYK", (80, 80), (0, 255, 255, 0)), "JPEG")  # red in CMYK

    out = decoded(render(source, "thumb"))

    assert out.mode == "RGB"
    assert close_to(out.getpixel((40, 40)), RED, slack=60)


def test_transparency_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (40, 40, 60, 60))
    palette = Image.new("P", (100, 100), 0)
    palette.putpalette([0, 0, 0, 255, 0, 0])

    rgba = decoded(render(encode(image, "PNG"), "thumb"))
    gif = decoded(render(encode(palette, "GIF", transparency=0), "thumb"))

    assert close_to(rgba.getpixel((5, 5)), (255, 255, 255), slack=8)
    assert close_to(rgba.getpixel((50, 50)), (0, 0, 0), slack=8)
    assert close_to(gif.getpixel((50, 50)), (255, 255, 255), slack=8)


def test_greyscale_16_bit_png_keeps_its_brightness() -> None:
    source = encode(Image.new("I;16", (50, 50), 32768), "PNG")

    out = decoded(render(source, "thumb"))

    assert close_to(out.getpixel((25, 25)), (128, 128, 128), slack=8)


# -- what is refused -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", bytes(range(256)) * 40, b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
     b"\xff\xd8\xff\xe0" + b"\0" * 100],
    ids=["empty", "text", "noise", "png-signature-only", "jpeg-signature-only"],
)
def test_corrupt_bytes_are_refused_cleanly(data: bytes) -> None:
    with pytest.raises(ThumbnailError):
        render(data, "thumb")


def test_a_truncated_jpeg_is_refused() -> None:
    image = Image.effect_noise((400, 400), 60).convert("RGB")
    whole = encode(image, "JPEG", quality=90)
    assert decoded(render(whole, "thumb")).size == (240, 240)

    with pytest.raises(ThumbnailError, match="damaged or truncated"):
        render(whole[: len(whole) // 2], "thumb")


def test_a_truncated_png_is_refused() -> None:
    whole = encode(Image.effect_noise((300, 300), 60), "PNG")

    with pytest.raises(ThumbnailError):
        render(whole[: len(whole) * 2 // 3], "thumb")


def test_a_huge_dimension_header_is_refused_at_once_without_decoding(no_decoding: None) -> None:
    started = time.perf_counter()
    with pytest.raises(ThumbnailError, match="pixels"):
        render(png_header_only(50_000, 50_000), "thumb")
    assert time.perf_counter() - started < 0.5


def test_just_over_the_pixel_cap_is_refused_before_decoding(no_decoding: None) -> None:
    # 42 megapixels: below Pillow's own bomb threshold, above ours.
    with pytest.raises(ThumbnailError, match="more than 40,000,000"):
        render(png_header_only(7000, 6000), "full")
    assert 7000 * 6000 > MAX_PIXELS


def test_a_real_decompression_bomb_is_refused_quickly() -> None:
    # 7000 x 6000 grey pixels of zeros: a few tens of KB that would inflate to 42 MB.
    ihdr = struct.pack(">IIBBBBB", 7000, 6000, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * (7001 * 6000), 9)
    bomb = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))
    assert len(bomb) < 200_000

    started = time.perf_counter()
    with pytest.raises(ThumbnailError):
        render(bomb, "thumb")
    assert time.perf_counter() - started < 0.5


def test_the_pixel_cap_is_per_call_not_global() -> None:
    source = encode(Image.new("RGB", (20, 20), RED), "PNG")
    before = Image.MAX_IMAGE_PIXELS

    with pytest.raises(ThumbnailError, match="more than 100"):
        render(source, "thumb", max_pixels=100)
    assert render(source, "thumb")
    assert Image.MAX_IMAGE_PIXELS == before


def test_a_file_claiming_png_that_is_a_gif_is_refused() -> None:
    gif = encode(Image.new("RGB", (30, 30), RED), "GIF")

    with pytest.raises(ThumbnailError, match="says image/png but holds image/gif"):
        render(gif, "thumb", declared="image/png")
    assert render(gif, "thumb", declared="image/gif")


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO", "PPM", "PCX"])
def test_formats_outside_the_allowed_four_are_never_decoded(fmt: str) -> None:
    source = encode(Image.new("RGB", (32, 32), RED), fmt)

    with pytest.raises(ThumbnailError, match="not a JPEG, PNG, GIF or WebP"):
        render(source, "thumb")


def test_svg_and_html_are_refused() -> None:
    for text in (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                 b"<html><body onload=alert(1)>"):
        with pytest.raises(ThumbnailError):
            render(text, "thumb")


def test_truncated_images_stay_refused_even_if_someone_allows_them_globally(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    with pytest.raises(ThumbnailError):
        render(encode(Image.new("RGB", (10, 10)), "PNG"), "thumb")


# -- cache and jobs --------------------------------------------------------------------------


@pytest.fixture
def stores(tmp_path: Path) -> tuple[FileMediaStore, ThumbnailStore]:
    media = FileMediaStore(tmp_path / "media")
    return media, ThumbnailStore(tmp_path / "thumbnails", media)


def test_renditions_are_cached_on_disk_by_media_id_and_kind(
    stores: tuple[FileMediaStore, ThumbnailStore], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    media, thumbs = stores
    media_id = media.save(encode(Image.new("RGB", (500, 500), RED), "PNG"), "image/png")
    assert thumbs.state(media_id, "thumb") is None

    path = thumbs.make(media_id, "thumb", "image/png")

    assert path == tmp_path / "thumbnails" / f"{media_id}-thumb.jpg"
    assert decoded(path.read_bytes()).size == (240, 240)
    assert thumbs.state(media_id, "thumb") == path
    assert thumbs.state(media_id, "full") is None
    monkeypatch.setattr("storage.thumbnails.render", lambda *a, **k: pytest.fail("re-rendered"))
    assert thumbs.make(media_id, "thumb") == path
    assert [p.name for p in (tmp_path / "thumbnails").iterdir()] == [path.name]  # no temp files


def test_a_bad_image_is_remembered_with_its_reason(
    stores: tuple[FileMediaStore, ThumbnailStore],
) -> None:
    media, thumbs = stores
    media_id = media.save(b"\x89PNG\r\n\x1a\n broken", "image/png")

    with pytest.raises(ThumbnailError):
        thumbs.make(media_id, "thumb")

    reason = thumbs.state(media_id, "thumb")
    assert isinstance(reason, str) and reason
    with pytest.raises(ThumbnailError):
        thumbs.make(media_id, "thumb")
    thumbs.forget(media_id)
    assert thumbs.state(media_id, "thumb") is None


def test_a_crash_can_be_marked_as_a_failure(
    stores: tuple[FileMediaStore, ThumbnailStore],
) -> None:
    media, thumbs = stores
    media_id = media.save(encode(Image.new("RGB", (5, 5)), "PNG"), "image/png")

    thumbs.mark_failed(media_id, "full", "the decoder crashed")

    assert thumbs.state(media_id, "full") == "the decoder crashed"
    assert thumbs.state(media_id, "thumb") is None


@pytest.mark.parametrize("media_id", ["../../etc/passwd", "short", "a" * 65, "x" * 40 + "/.."])
def test_only_media_ids_become_paths(
    stores: tuple[FileMediaStore, ThumbnailStore], media_id: str,
) -> None:
    _, thumbs = stores
    with pytest.raises(KeyError):
        thumbs.path(media_id, "thumb")
    with pytest.raises(KeyError):
        thumbs.path("a" * 43, "../../x")


def test_a_missing_source_is_a_failure_but_not_remembered(
    stores: tuple[FileMediaStore, ThumbnailStore],
) -> None:
    _, thumbs = stores
    job = thumbs.job("b" * 43, "thumb")

    outcome = run_job(job)

    assert outcome.path is None and "cannot be read" in outcome.reason
    assert thumbs.state("b" * 43, "thumb") is None


def test_jobs_run_in_a_worker_process(stores: tuple[FileMediaStore, ThumbnailStore]) -> None:
    media, thumbs = stores
    good = media.save(encode(Image.new("RGB", (300, 100), BLUE), "JPEG"), "image/jpeg")
    bad = media.save(b"\xff\xd8\xff\xe0 not really", "image/jpeg")
    job = thumbs.job(good, "thumb", "image/jpeg")
    assert isinstance(pickle.loads(pickle.dumps(job)), RenditionJob)

    with ProcessPoolExecutor(max_workers=1) as pool:
        done = pool.submit(thumbs.render_job, job).result(timeout=30)
        failed = pool.submit(thumbs.render_job, thumbs.job(bad, "thumb")).result(timeout=30)

    assert isinstance(done, Outcome) and done.path
    assert decoded(Path(done.path).read_bytes()).size == (240, 80)
    assert failed.path is None and failed.reason


def test_orientation_is_applied_to_large_jpegs_decoded_at_reduced_scale() -> None:
    image = Image.new("RGB", (2000, 1000), BLUE)
    image.paste(RED, (0, 0, 1000, 1000))
    exif = Image.Exif()
    exif[0x0112] = 6
    source = encode(image, "JPEG", exif=exif.tobytes())

    out = decoded(render(source, "thumb"))

    assert out.size == (120, 240)
    assert close_to(out.getpixel((60, 40)), RED)
    assert close_to(out.getpixel((60, 200)), BLUE)
    assert len(out.getexif()) == 0
