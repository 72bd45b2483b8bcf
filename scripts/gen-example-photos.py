#!/usr/bin/env python3
"""Generate the example blog's photos (and the theme's raster icons).

The example photos are synthetic landscapes (gradients, layered ridges,
water, noise) so the repository ships real JPEGs without anyone's copyright.
They are committed; this script is only needed to regenerate them, and the
build never runs it. Output is deterministic (fixed seeds).

Needs Pillow and numpy, e.g. in a scratch venv:
    python3 -m venv /tmp/photos && /tmp/photos/bin/pip install pillow numpy
    /tmp/photos/bin/python scripts/gen-example-photos.py          # photos
    /tmp/photos/bin/python scripts/gen-example-photos.py --icons  # favicon.ico, apple-touch-icon.png
"""
import argparse
import io
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

W, H = 1600, 1067  # 3:2, wider than the largest thumbnail (1280)
QUALITY = 78
MAX_BYTES = 150_000
ROOT = Path(__file__).resolve().parent.parent


def lerp(a, b, t):
    return a + (b - a) * t


def vgradient(stops, h=H, w=W):
    """Vertical gradient through colour stops [(pos 0..1, (r, g, b)), ...]."""
    ys = np.linspace(0.0, 1.0, h)[:, None]
    out = np.zeros((h, 3))
    for (p0, c0), (p1, c1) in zip(stops, stops[1:]):
        mask = (ys[:, 0] >= p0) & (ys[:, 0] <= p1)
        t = ((ys[mask] - p0) / max(p1 - p0, 1e-9))
        out[mask] = np.array(c0) + (np.array(c1) - np.array(c0)) * t
    return np.repeat(out[:, None, :], w, axis=1)


def ridge(rng, base, amp, roughness, w=W):
    """A mountain ridge line: midpoint displacement, y per x column."""
    n = 1
    pts = np.array([base + rng.uniform(-amp, amp), base + rng.uniform(-amp, amp)])
    scale = amp
    while n < w:
        mids = (pts[:-1] + pts[1:]) / 2 + rng.uniform(-scale, scale, len(pts) - 1)
        merged = np.empty(len(pts) * 2 - 1)
        merged[0::2] = pts
        merged[1::2] = mids
        pts = merged
        n = len(pts) - 1
        scale *= roughness
    xs = np.linspace(0, len(pts) - 1, w)
    return np.interp(xs, np.arange(len(pts)), pts)


def fill_below(img, line, colour, fade_to=None, fade_px=0):
    """Paint everything under a ridge line; optionally fade towards fade_to (haze)."""
    h, w, _ = img.shape
    ys = np.arange(h)[:, None]
    mask = ys >= line[None, :]
    col = np.broadcast_to(np.array(colour, dtype=float), img.shape).copy()
    if fade_to is not None and fade_px:
        # Fade from a smoothed ridge, or the ridge's jitter shows as vertical streaks.
        k = 81
        padded = np.pad(line, k // 2, mode="edge")
        smooth = np.convolve(padded, np.ones(k) / k, mode="valid")
        depth = np.clip((ys - smooth[None, :]) / fade_px, 0, 1)[..., None]
        col = np.array(fade_to) * (1 - depth) + np.array(colour) * depth
    img[mask] = col[mask]


def glow(img, cx, cy, radius, colour, strength):
    h, w, _ = img.shape
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / radius
    a = np.clip(1 - d, 0, 1) ** 2 * strength
    img[:] = img * (1 - a[..., None]) + np.array(colour) * a[..., None]


def disc(img, cx, cy, r, colour):
    h, w, _ = img.shape
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
    a = np.clip(r + 1 - d, 0, 1)
    img[:] = img * (1 - a[..., None]) + np.array(colour) * a[..., None]


def water(img, horizon, rng, tint, ripple=6.0):
    """Mirror the scene above the horizon into water with ripples and a tint."""
    h, w, _ = img.shape
    rows = np.arange(horizon, h)
    src = 2 * horizon - rows
    src = np.clip(src, 0, horizon - 1)
    offs = (np.sin(rows[:, None] * 0.35 + np.arange(w)[None, :] * 0.012) * ripple
            * ((rows[:, None] - horizon) / (h - horizon) + 0.2)).astype(int)
    cols = np.clip(np.arange(w)[None, :] + offs, 0, w - 1)
    refl = img[src[:, None], cols]
    depth = ((rows - horizon) / (h - horizon))[:, None, None]
    img[horizon:] = refl * (0.75 - 0.25 * depth) + np.array(tint) * (0.25 + 0.25 * depth)


def finish(img, rng, noise=5.0, blur=0.6):
    img = img + rng.normal(0, noise, img.shape)
    # A soft vignette, like a real lens.
    h, w, _ = img.shape
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.sqrt(((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2)
    img = img * (1 - 0.18 * np.clip(d - 0.6, 0, 1))[..., None]
    out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    return out.filter(ImageFilter.GaussianBlur(blur)) if blur else out


def alpine_dawn(rng):
    img = vgradient([(0, (46, 64, 120)), (0.35, (150, 120, 170)), (0.55, (248, 178, 140)), (0.62, (255, 214, 170)), (1, (255, 214, 170))])
    glow(img, 1050, 330, 520, (255, 230, 190), 0.65)
    disc(img, 1050, 330, 38, (255, 246, 225))
    for base, amp, rough, colour, haze in [
        (420, 150, 0.52, (120, 110, 150), (200, 160, 170)),
        (520, 120, 0.55, (84, 82, 120), (160, 130, 150)),
        (600, 90, 0.58, (52, 56, 86), (110, 100, 130)),
    ]:
        fill_below(img, ridge(rng, base, amp, rough), colour, haze, 160)
    water(img, 700, rng, (40, 60, 100))
    return finish(img, rng)


def golden_hills(rng):
    img = vgradient([(0, (250, 196, 120)), (0.45, (255, 222, 160)), (0.6, (255, 236, 200)), (1, (255, 236, 200))])
    glow(img, 420, 560, 700, (255, 244, 214), 0.8)
    disc(img, 420, 565, 55, (255, 250, 232))
    xs = np.arange(W)
    for i, (base, colour) in enumerate([(560, (214, 160, 92)), (640, (186, 128, 64)), (740, (150, 98, 46)), (860, (108, 72, 36))]):
        line = base + 40 * np.sin(xs / (260 + 60 * i) + i * 1.7) + 22 * np.sin(xs / 97 + i) + rng.uniform(-4, 4, W).cumsum() * 0.05
        fill_below(img, line, colour, tuple(min(255, c + 50) for c in colour), 120)
    # A row of cypress trees on the nearest hill.
    im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(im)
    for x in range(980, 1500, 62):
        y = 860 + 40 * math.sin(x / 260 + 3 * 1.7) + 22 * math.sin(x / 97 + 3) - 6
        d.ellipse([x - 11, y - 120, x + 11, y + 6], fill=(58, 52, 26))
    img = np.asarray(im).astype(float)
    return finish(img, rng)


def rainy_city(rng):
    img = vgradient([(0, (92, 104, 120)), (0.6, (132, 142, 152)), (1, (70, 76, 86))])
    im = Image.fromarray(img.astype(np.uint8))
    d = ImageDraw.Draw(im)
    x = -20
    while x < W:
        bw = int(rng.integers(70, 170))
        top = int(rng.integers(260, 560))
        shade = int(rng.integers(44, 70))
        d.rectangle([x, top, x + bw, 780], fill=(shade, shade + 4, shade + 10))
        for wy in range(top + 18, 760, 34):
            for wx in range(x + 12, x + bw - 16, 26):
                if rng.random() < 0.35:
                    d.rectangle([wx, wy, wx + 12, wy + 16], fill=(255, 205, 120))
        x += bw + int(rng.integers(4, 18))
    d.rectangle([0, 780, W, H], fill=(48, 52, 58))
    img = np.asarray(im).astype(float)
    # Wet street: blurred, stretched reflections of the lit windows.
    refl = np.asarray(im.transpose(Image.FLIP_TOP_BOTTOM).filter(ImageFilter.GaussianBlur(10))).astype(float)
    rows = H - 780
    # Street row y mirrors row 1560 - y, i.e. row y + H - 1561 of the flipped image.
    img[780:] = img[780:] * 0.55 + refl[H - 781:H - 781 + rows] * 0.45
    # Street lamps with halos.
    for lx in (260, 820, 1380):
        glow(img, lx, 600, 130, (255, 214, 150), 0.55)
        disc(img, lx, 600, 9, (255, 240, 210))
    out = finish(img, rng, noise=6.0, blur=1.2)
    # Rain: thin slanted streaks.
    rain = Image.new("L", (W, H), 0)
    rd = ImageDraw.Draw(rain)
    for _ in range(900):
        x0, y0 = float(rng.uniform(-100, W)), float(rng.uniform(0, H))
        ln = float(rng.uniform(18, 44))
        rd.line([x0, y0, x0 + ln * 0.25, y0 + ln], fill=int(rng.integers(40, 110)), width=1)
    return Image.composite(Image.new("RGB", (W, H), (220, 226, 235)), out, rain)


def lofoten(rng):
    img = vgradient([(0, (120, 160, 205)), (0.5, (196, 214, 230)), (0.6, (226, 232, 238)), (1, (226, 232, 238))])
    # Steep peaks: a few triangles roughened by a ridge line.
    xs = np.arange(W)
    peaks = np.full(W, 560.0)
    for cx, top, half in [(180, 250, 260), (520, 170, 300), (900, 300, 240), (1250, 140, 330), (1560, 280, 220)]:
        peaks = np.minimum(peaks, top + (560 - top) * np.clip(np.abs(xs - cx) / half, 0, 1))
    peaks = peaks + ridge(rng, 0, 30, 0.6)
    fill_below(img, peaks, (70, 82, 98))
    # Snow on the upper slopes, its lower edge ragged.
    ys = np.arange(H)[:, None]
    snowline = 330 + ridge(rng, 0, 40, 0.65)[None, :]
    snow = (ys >= peaks[None, :]) & (ys < snowline) & (ys < peaks[None, :] + 120)
    img[snow] = img[snow] * 0.15 + np.array([238, 242, 248]) * 0.85
    fill_below(img, ridge(rng, 560, 60, 0.5), (48, 70, 70), (90, 110, 110), 60)
    water(img, 640, rng, (30, 70, 100), ripple=4.0)
    im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(im)
    # Red fishermen's cabins (rorbuer) on stilts along the shore.
    for i, x in enumerate(range(240, 1200, 150)):
        y = 612 + (i % 2) * 8
        d.rectangle([x, y - 44, x + 84, y], fill=(150, 36, 30))
        d.polygon([(x - 6, y - 44), (x + 42, y - 78), (x + 90, y - 44)], fill=(60, 40, 36))
        d.rectangle([x + 30, y - 28, x + 50, y], fill=(235, 225, 205))
        for s in range(x + 6, x + 84, 20):
            d.line([s, y, s, y + 26], fill=(40, 34, 30), width=4)
    d.rectangle([0, 636, W, 646], fill=(60, 58, 52))  # the shoreline rocks
    return finish(np.asarray(im).astype(float), rng)


PHOTOS = {
    "content/media/alpine-dawn.jpg": (alpine_dawn, 11),
    "content/media/golden-hills.jpg": (golden_hills, 12),
    "content/media/rainy-city.jpg": (rainy_city, 13),
    "content/posts/a-week-in-lofoten/photo.jpg": (lofoten, 14),
}


def save_jpeg(im, path):
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    data = buf.getvalue()
    if len(data) > MAX_BYTES:
        raise SystemExit(f"{path}: {len(data)} bytes, over the {MAX_BYTES} budget; lower the noise")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"{path.relative_to(ROOT)}: {im.size[0]}x{im.size[1]}, {len(data) // 1024} KiB")


def logo(size):
    s = size * 4  # draw large, downsample for smooth edges
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    k = s / 32
    d.rounded_rectangle([0, 0, s - 1, s - 1], radius=7 * k, fill=(10, 91, 176, 255))
    d.ellipse([19 * k, 6.5 * k, 26 * k, 13.5 * k], fill=(255, 209, 102, 255))
    pts = [(3, 26), (12, 13), (17, 20), (20.5, 15.5), (29, 26)]
    d.polygon([(x * k, y * k) for x, y in pts], fill=(255, 255, 255, 255))
    return im.resize((size, size), Image.LANCZOS)


def icons():
    static = ROOT / "themes/default/static"
    logo(64).save(static / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    # Apple touch icons are opaque and square (iOS rounds the corners).
    flat = Image.new("RGBA", (180, 180), (10, 91, 176, 255))
    flat.alpha_composite(logo(180))
    flat.convert("RGB").save(static / "apple-touch-icon.png", optimize=True)
    print("themes/default/static/favicon.ico, apple-touch-icon.png")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--icons", action="store_true", help="write the theme's favicon.ico and apple-touch-icon.png instead")
    args = ap.parse_args()
    if args.icons:
        icons()
        return
    for rel, (fn, seed) in PHOTOS.items():
        save_jpeg(fn(np.random.default_rng(seed)), ROOT / rel)


if __name__ == "__main__":
    main()
