"""``chainrule.data.transforms.functional`` — torchvision's ``transforms.functional``: every image
function behind the transform classes, for PIL images and C×H×W tensors."""
from ._color import (adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation, erase,
                     gaussian_blur, rgb_to_grayscale, to_grayscale)
from ._convert import convert_image_dtype, normalize, pil_to_tensor, to_pil_image, to_tensor
from ._geometry import (affine, center_crop, crop, hflip, inverse_affine_matrix, pad, resize,
                        resized_crop, rotate, vflip)
from ._image import InterpolationMode, get_dimensions, is_pil
