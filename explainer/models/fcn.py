"""Fully convolutional networks for digit scenes: FCN-32s, FCN-16s and FCN-8s.

As in Long, Shelhamer & Darrell (2015): a convolutional backbone with five
downsampling stages (so input sides must be multiples of 32), the classifier
turned into convolutions (``fc6`` sees a 3×3 block of pool5, exactly what a
fully connected layer on a 96×96 input would see, but it can slide), 1×1
score layers, and transposed convolutions initialised to bilinear upsampling.

* FCN-32s upsamples the stride-32 scores ×32 in one step.
* FCN-16s adds scores from pool4 (stride 16) before upsampling ×16.
* FCN-8s also adds scores from pool3 (stride 8) before upsampling ×8.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

NUM_CLASSES = 11
VARIANTS = ("fcn32s", "fcn16s", "fcn8s")
#: The trunk every variant has alike: the backbone up to pool4 (over 80 % of the work for a 96×96 scene).
#: Where the three bundled FCNs hold the same weights here, the lesson computes it once for all three;
#: each keeps its own stage5, fc6, fc7 and score layers, skips and upsampling (its head).
BACKBONE = ("stage1", "stage2", "stage3", "stage4")


def bilinear_kernel(channels: int, size: int) -> torch.Tensor:
    """Weights (channels, channels, size, size) that make a transposed convolution upsample bilinearly.

    Each channel maps only to itself; the kernel is the outer product of a
    triangle (tent) function, the standard FCN initialisation.
    """
    factor = (size + 1) // 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    ramp = 1 - np.abs(np.arange(size) - centre) / factor
    kernel = torch.from_numpy(np.outer(ramp, ramp)).float()
    weight = torch.zeros(channels, channels, size, size)
    for c in range(channels):
        weight[c, c] = kernel
    return weight


class Upsampler(nn.ConvTranspose2d):
    """A transposed convolution with kernel 2·stride, computed as four shifted blocks of stamps.

    The same layer and the same numbers as :class:`torch.nn.ConvTranspose2d`
    (tested against it). When the kernel is twice the stride, every output
    pixel receives stamps from at most 2×2 input cells, so the whole layer is
    one matrix product (every input cell times the kernel) followed by four
    shifted additions. torch's general CPU routine is several times slower for
    the large kernels of the ×16 and ×32 upsamplers (3–4× slower for 64×64),
    which matters when three FCNs run live on every stroke. Smaller kernels
    go through torch's routine.
    """

    def forward(self, x: torch.Tensor, output_size=None) -> torch.Tensor:
        s, k, p = self.stride[0], self.kernel_size[0], self.padding[0]
        plain = (self.kernel_size == (2 * s, 2 * s) and self.stride == (s, s) and self.padding == (p, p)
                 and self.dilation == (1, 1) and self.groups == 1 and self.output_padding == (0, 0)
                 and output_size is None and x.dim() == 4)
        if not plain or s < 16:  # torch's own routine is as fast for small kernels
            return super().forward(x, output_size)
        n, c_in, h, w = x.shape
        c_out = self.out_channels
        # stamps[n, i, j, o, a, u, b, v]: input cell (i, j) times kernel entry (a·s + u, b·s + v).
        stamps = x.permute(0, 2, 3, 1).reshape(n * h * w, c_in) @ self.weight.reshape(c_in, c_out * k * k)
        stamps = stamps.reshape(n, h, w, c_out, 2, s, 2, s)
        # Output block (I, J) (each s×s) sums the stamps of cells (I − a, J − b) for a, b in {0, 1}.
        full = x.new_zeros(n, c_out, h + 1, s, w + 1, s)
        for a in (0, 1):
            for b in (0, 1):
                full[:, :, a : a + h, :, b : b + w, :] += stamps[:, :, :, :, a, :, b, :].permute(0, 3, 1, 4, 2, 5)
        full = full.reshape(n, c_out, (h + 1) * s, (w + 1) * s)
        out = full[:, :, p : full.shape[2] - p, p : full.shape[3] - p]
        if self.bias is not None:
            out = out + self.bias.view(1, -1, 1, 1)
        return out


def upsampler(channels: int, factor: int) -> Upsampler:
    """A ×``factor`` transposed convolution (kernel 2·factor, padding factor/2), bilinear at start."""
    layer = Upsampler(channels, channels, 2 * factor, stride=factor, padding=factor // 2, bias=False)
    with torch.no_grad():
        layer.weight.copy_(bilinear_kernel(channels, 2 * factor))
    return layer


@torch.fx.wrap
def check_input_sides(x: torch.Tensor) -> None:
    """Raise ValueError unless both sides of ``x`` are multiples of 32 (one opaque step for torch.fx)."""
    if x.shape[-1] % 32 or x.shape[-2] % 32:
        raise ValueError(f"FCN inputs need sides that are multiples of 32, got {tuple(x.shape[-2:])}")


def _stage(c_in: int, c_out: int, convs: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                   nn.ReLU()]
    layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class FCN(nn.Module):
    """FCN-32s / 16s / 8s over one shared backbone layout.

    Parameters
    ----------
    variant : {"fcn32s", "fcn16s", "fcn8s"}
    widths : sequence of 5 int
        Channels of the five backbone stages (pool1 … pool5).
    fc : int
        Channels of the convolutionalised fully connected layers fc6 and fc7.

    Input ``(N, 1, H, W)`` in [0, 1] with H, W multiples of 32; output
    ``(N, 11, H, W)`` logits.
    """

    def __init__(self, variant: str = "fcn8s", widths: tuple[int, ...] = (16, 32, 64, 128, 128), fc: int = 256,
                 convs: tuple[int, ...] = (1, 2, 2, 2, 2)) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
        if len(widths) != 5 or len(convs) != 5:
            raise ValueError("an FCN backbone has exactly five stages")
        self.variant = variant
        self.config = {"variant": variant, "widths": list(widths), "fc": fc, "convs": list(convs)}
        c_in = 1
        stages = []
        for width, n in zip(widths, convs):
            stages.append(_stage(c_in, width, n))
            c_in = width
        self.stage1, self.stage2, self.stage3, self.stage4, self.stage5 = stages
        # "FC → convolution": fc6 covers pool5's whole 3×3 extent for a 96×96 input.
        self.fc6 = nn.Sequential(nn.Conv2d(widths[4], fc, 3, padding=1), nn.ReLU(), nn.Dropout2d(0.1))
        self.fc7 = nn.Sequential(nn.Conv2d(fc, fc, 1), nn.ReLU(), nn.Dropout2d(0.1))
        self.score_fr = nn.Conv2d(fc, NUM_CLASSES, 1)
        if variant == "fcn32s":
            self.upscore32 = upsampler(NUM_CLASSES, 32)
        else:
            self.score_pool4 = nn.Conv2d(widths[3], NUM_CLASSES, 1)
            self.upscore2 = upsampler(NUM_CLASSES, 2)
            if variant == "fcn16s":
                self.upscore16 = upsampler(NUM_CLASSES, 16)
            else:
                self.score_pool3 = nn.Conv2d(widths[2], NUM_CLASSES, 1)
                self.upscore_pool4 = upsampler(NUM_CLASSES, 2)
                self.upscore8 = upsampler(NUM_CLASSES, 8)
        for score in ("score_pool4", "score_pool3"):
            if hasattr(self, score):  # start as "no skip", as the paper does
                nn.init.zeros_(getattr(self, score).weight)
                nn.init.zeros_(getattr(self, score).bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(*self.features(x))

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(pool3, pool4): what the shared trunk (:data:`BACKBONE`) hands the head.

        Raises ValueError unless both sides of ``x`` are multiples of 32.
        """
        check_input_sides(x)
        pool3 = self.stage3(self.stage2(self.stage1(x)))
        return pool3, self.stage4(pool3)

    def head(self, pool3: torch.Tensor, pool4: torch.Tensor) -> torch.Tensor:
        """The variant's own layers: pool5, fc6, fc7, scores at stride 32, its skips, and the upsampling."""
        score = self.score_fr(self.fc7(self.fc6(self.stage5(pool4))))
        if self.variant == "fcn32s":
            return self.upscore32(score)
        score = self.upscore2(score) + self.score_pool4(pool4)  # fuse pool4 at stride 16
        if self.variant == "fcn16s":
            return self.upscore16(score)
        score = self.upscore_pool4(score) + self.score_pool3(pool3)  # fuse pool3 at stride 8
        return self.upscore8(score)

    def shares_backbone(self, other: "FCN") -> bool:
        """True when ``other`` has the same layout and the same weights in every :data:`BACKBONE` layer."""
        if self.config["widths"] != other.config["widths"]:
            return False
        for name in BACKBONE:
            mine, theirs = getattr(self, name).state_dict(), getattr(other, name).state_dict()
            if mine.keys() != theirs.keys():
                return False
            if not all(mine[k].shape == theirs[k].shape and torch.equal(mine[k], theirs[k]) for k in mine):
                return False
        return True

    def load_from(self, coarser: "FCN") -> "FCN":
        """Start from another variant's weights where the layers match (16s from 32s as the paper trains them,
        or 16s and 32s heads on FCN-8s's backbone)."""
        own = self.state_dict()
        for key, value in coarser.state_dict().items():
            if key in own and own[key].shape == value.shape:
                own[key] = value.clone()
        self.load_state_dict(own)
        return self
