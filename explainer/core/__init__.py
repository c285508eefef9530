"""The teaching math of ConvLens, in plain numpy.

Everything a lesson shows (a window, its products, a channel sum, a pooled
value, an output size, an IoU) is computed here, and tested against
``torch.nn.functional``. This package imports neither Qt nor torch, so a
student can read it on its own.
"""

from .conv import ConvStep, conv2d, conv2d_loops, conv2d_per_channel, conv_step, conv_transpose2d, pad, transposed_stamp, transposed_stamps
from .dense import SoftmaxParts, softmax, softmax_parts
from .formatting import format_number
from .kernels import KERNELS, dense_parameters, kernel
from .metrics import (
    box_iou,
    boundary_band,
    confusion_matrix,
    error_places,
    error_split,
    grade_iou,
    iou_per_class,
    mean_iou,
    overlap_map,
    pixel_accuracy,
    scores_from_confusion,
)
from .pool import POOL_MODES, PoolStep, pool2d, pool_step
from .preprocess import DigitSteps, bounding_box, box_resize, center_of_mass, looks_inverted, mnist_preprocess
from .windows import outputs_reading, window_cells, window_coverage
from .sizes import describe_output_size, output_size, output_size_unchecked, receptive_field, transposed_output_size

__all__ = [
    "KERNELS",
    "softmax",
    "dense_parameters",
    "kernel",
    "ConvStep",
    "DigitSteps",
    "bounding_box",
    "box_resize",
    "center_of_mass",
    "looks_inverted",
    "mnist_preprocess",
    "receptive_field",
    "POOL_MODES",
    "PoolStep",
    "box_iou",
    "confusion_matrix",
    "conv2d",
    "conv2d_loops",
    "conv2d_per_channel",
    "conv_step",
    "conv_transpose2d",
    "describe_output_size",
    "format_number",
    "grade_iou",
    "iou_per_class",
    "mean_iou",
    "overlap_map",
    "output_size",
    "output_size_unchecked",
    "pad",
    "pixel_accuracy",
    "pool2d",
    "pool_step",
    "transposed_output_size",
    "transposed_stamp",
    "transposed_stamps",
    "SoftmaxParts",
    "softmax_parts",
    "boundary_band",
    "error_places",
    "error_split",
    "scores_from_confusion",
    "outputs_reading",
    "window_cells",
    "window_coverage",
]
