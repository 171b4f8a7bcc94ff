"""The layers, one family per file."""
from .activation import (CELU, ELU, GELU, GLU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
                         LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, SELU, Sigmoid, SiLU,
                         Softmax, Softmin, Softplus, Softshrink, Softsign, Hardshrink, Tanh,
                         Tanhshrink, Threshold)
from .attention import MultiheadAttention
from .efficient_attention import (FullSelfAttention, LinearSelfAttention, LinformerSelfAttention,
                                  LocalSelfAttention, LongformerSelfAttention, ReformerSelfAttention,
                                  StridedSelfAttention, SynthesizerSelfAttention)
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Bilinear, Flatten, Identity, Linear, Unflatten
from .loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, CTCLoss,
                   GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss,
                   MarginRankingLoss, MSELoss, MultiLabelSoftMarginLoss, NLLLoss, PoissonNLLLoss,
                   SmoothL1Loss, SoftMarginLoss, TripletMarginLoss)
from .misc import (ConstantPad2d, CosineSimilarity, Dropout, Dropout1d, Dropout2d, Embedding, Fold,
                   PairwiseDistance, PixelShuffle, ReflectionPad2d, ReplicationPad2d, Unfold,
                   Upsample, ZeroPad2d)
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm2d, LayerNorm,
                            LocalResponseNorm)
from .positional import LearnedPositionalEncoding, RotaryEmbedding, SinusoidalPositionalEncoding
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                      AvgPool1d, AvgPool2d, AvgPool3d, MaxPool1d, MaxPool2d, MaxPool3d,
                      MaxUnpool2d)
from .spatial import SpatialTransformer
from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)

__all__ = sorted(n for n in dir() if n[:1].isupper())
