"""Data augmentation for digits, on batches, in torch.

Mouse-drawn digits differ from scanned ones: strokes are thicker or thinner,
slanted, a little off-centre. Random affine warps and stroke-width changes
teach the network to expect that.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def random_affine(x: torch.Tensor, generator: torch.Generator, **affine) -> torch.Tensor:
    """Rotate, scale, shear and shift each image of ``x`` (N, C, H, W) at random (:func:`_affine_grid`'s ranges)."""
    grid = _affine_grid(x, generator, **affine)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur each channel of (N, C, H, W) with a Gaussian of ``sigma`` pixels (separable, zero-padded)."""
    radius = max(1, int(math.ceil(3 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-(t**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    c = x.shape[1]
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).expand(c, 1, 1, -1), padding=(0, radius), groups=c)
    return F.conv2d(x, kernel.view(1, 1, -1, 1).expand(c, 1, -1, 1), padding=(radius, 0), groups=c)


def random_elastic_affine(x: torch.Tensor, generator: torch.Generator, alpha: float = 30.0, sigma: float = 4.0,
                          p: float = 0.7, **affine) -> torch.Tensor:
    """An affine warp as :func:`random_affine` plus, for a share ``p`` of the images, an elastic distortion.

    The distortion is a random displacement field smoothed by a Gaussian of ``sigma`` pixels and
    scaled so that its strength is ``alpha`` (Simard, Steinkraus & Platt, 2003): strokes bend and
    wobble as in handwriting. Both warps are applied in one resampling.
    """
    n, _, h, w = x.shape
    field = torch.rand(n, 2, h, w, generator=generator).to(x.device) * 2 - 1
    field = _gaussian_blur(field, sigma) * alpha
    field = field * (torch.rand(n, 1, 1, 1, generator=generator) < p).to(x.device)
    # Pixels → grid units ([-1, 1] spans the image).
    offsets = torch.stack([field[:, 0] * 2 / w, field[:, 1] * 2 / h], dim=-1)
    grid = _affine_grid(x, generator, **affine) + offsets
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _affine_grid(x: torch.Tensor, generator: torch.Generator, max_rotate: float = 15.0,
                 scale: tuple[float, float] = (0.85, 1.15), max_shift: float = 0.1,
                 max_shear: float = 0.15) -> torch.Tensor:
    """A sampling grid that rotates, scales, shears and shifts each image of ``x`` at random."""
    n = x.shape[0]

    def uniform(lo, hi):
        return torch.rand(n, generator=generator).to(x.device) * (hi - lo) + lo

    angle = uniform(-max_rotate, max_rotate) * math.pi / 180
    s = uniform(*scale)
    shear = uniform(-max_shear, max_shear)
    tx, ty = uniform(-max_shift, max_shift) * 2, uniform(-max_shift, max_shift) * 2
    cos, sin = torch.cos(angle), torch.sin(angle)
    # The grid maps output to input coordinates, hence the inverse scale.
    theta = torch.stack([
        torch.stack([cos / s, (-sin + shear) / s, tx], dim=1),
        torch.stack([sin / s, cos / s, ty], dim=1),
    ], dim=1)
    return F.affine_grid(theta, list(x.shape), align_corners=False)


def random_stroke_width(x: torch.Tensor, generator: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Thicken or thin the strokes of some images (grey-level dilation or erosion, partly blended)."""
    n = x.shape[0]
    pick = torch.rand(n, generator=generator).to(x.device)
    amount = torch.rand(n, 1, 1, 1, generator=generator).to(x.device)
    thick = F.max_pool2d(x, 3, stride=1, padding=1)
    thin = -F.max_pool2d(-x, 3, stride=1, padding=1)
    out = x.clone()
    dilate = (pick < p / 2).view(n, 1, 1, 1)
    erode = ((pick >= p / 2) & (pick < p)).view(n, 1, 1, 1)
    out = torch.where(dilate, x + amount * (thick - x), out)
    out = torch.where(erode, x + 0.6 * amount * (thin - x), out)
    return out.clamp(0, 1)


def augment_digits(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The full digit augmentation: stroke width, then an affine warp."""
    return random_affine(random_stroke_width(x, generator), generator)


def augment_digits_elastic(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Stroke width, then an affine warp with an elastic distortion for most digits."""
    return random_elastic_affine(random_stroke_width(x, generator), generator)
