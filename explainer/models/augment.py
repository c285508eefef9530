"""Data augmentation for digits, on batches, in torch.

Mouse-drawn digits differ from scanned ones: strokes are thicker or thinner,
slanted, a little off-centre. Random affine warps and stroke-width changes
teach the network to expect that.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def random_affine(x: torch.Tensor, generator: torch.Generator, max_rotate: float = 15.0,
                  scale: tuple[float, float] = (0.85, 1.15), max_shift: float = 0.1,
                  max_shear: float = 0.15) -> torch.Tensor:
    """Rotate, scale, shear and shift each image of ``x`` (N, C, H, W) at random."""
    n = x.shape[0]

    def uniform(lo, hi):
        return torch.rand(n, generator=generator) * (hi - lo) + lo

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
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_stroke_width(x: torch.Tensor, generator: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Thicken or thin the strokes of some images (grey-level dilation or erosion, partly blended)."""
    n = x.shape[0]
    pick = torch.rand(n, generator=generator)
    amount = torch.rand(n, 1, 1, 1, generator=generator)
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
