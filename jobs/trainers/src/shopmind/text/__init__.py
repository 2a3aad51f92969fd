"""Text features: pretrained encoders (torch reference, ONNX int8), product text templates."""

from shopmind.text.base import Encoder, EncoderInfo, check_texts

__all__ = ["Encoder", "EncoderInfo", "check_texts"]
