"""GoogLeNet (Szegedy et al., 2015, "Going deeper with convolutions"), as torchvision builds it.

The course's point (Lecture 5): an Inception block looks at several scales at once (1×1, 3×3,
"5×5" and a pooled branch, concatenated), and 1×1 convolutions first *reduce* the channels so the
larger filters stay cheap: a 3×3 on 192 channels costs 9·192·C' per pixel, behind a 1×1 to 96 it
costs 192·96 + 9·96·C'. Two auxiliary classifiers add gradient to the middle of the net while
training. (torchvision's "5×5" branch uses a 3×3 kernel, a known quirk kept for its weights.)
"""
import collections
import warnings

from .. import nn
from ..ops.combine import cat
from .zoo import no_weights, register_model

GoogLeNetOutputs = collections.namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])


class BasicConv2d(nn.Module):
    """Convolution (no bias) → batch norm (eps 0.001) → ReLU."""

    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return nn.functional.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, conv_block=None):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(conv_block(in_channels, ch3x3red, kernel_size=1),      # 1×1 reduction
                                     conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(conv_block(in_channels, ch5x5red, kernel_size=1),
                                     conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                                     conv_block(in_channels, pool_proj, kernel_size=1))

    def forward(self, x):
        return cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    def __init__(self, in_channels, num_classes, conv_block=None, dropout=0.7):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.conv = conv_block(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        x = self.conv(nn.functional.adaptive_avg_pool2d(x, (4, 4)))   # N×128×4×4
        x = self.dropout(nn.functional.relu(self.fc1(x.flatten(1))))
        return self.fc2(x)


class GoogLeNet(nn.Module):
    """In train mode with ``aux_logits`` the output is ``GoogLeNetOutputs(logits, aux_logits2,
    aux_logits1)``; otherwise the logits alone."""

    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False, init_weights=None,
                 blocks=None, dropout=0.2, dropout_aux=0.7):
        super().__init__()
        conv_block, inception_block, inception_aux_block = blocks or (BasicConv2d, Inception, InceptionAux)
        if init_weights is None:
            warnings.warn("The default weight initialization of GoogleNet will be changed in future "
                          "releases of torchvision. If you wish to keep the old behavior (which leads to "
                          "long initialization times due to scipy/scipy#11299), please set "
                          "init_weights=True.", FutureWarning)
            init_weights = True
        self.aux_logits, self.transform_input = aux_logits, transform_input
        self.conv1 = conv_block(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = conv_block(64, 64, kernel_size=1)
        self.conv3 = conv_block(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = inception_block(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = inception_block(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = inception_block(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = inception_block(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = inception_block(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = inception_block(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = inception_block(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = inception_block(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = inception_block(832, 384, 192, 384, 48, 128, 128)
        if aux_logits:
            self.aux1 = inception_aux_block(512, num_classes, dropout=dropout_aux)
            self.aux2 = inception_aux_block(528, num_classes, dropout=dropout_aux)
        else:
            self.aux1 = self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(1024, num_classes)
        if init_weights:
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.ones_(m.weight)
                    nn.init.zeros_(m.bias)

    def _transform_input(self, x):
        """Inputs normalized with ImageNet's statistics → torchvision's (x − 0.5)/0.5 convention."""
        if not self.transform_input:
            return x
        chans = [x[:, c:c + 1] * (s / 0.5) + (m - 0.5) / 0.5
                 for c, (m, s) in enumerate(((0.485, 0.229), (0.456, 0.224), (0.406, 0.225)))]
        return cat(chans, 1)

    def forward(self, x):
        x = self._transform_input(x)
        x = self.maxpool1(self.conv1(x))                       # N×64×56×56 (at 224²)
        x = self.maxpool2(self.conv3(self.conv2(x)))           # N×192×28×28
        x = self.maxpool3(self.inception3b(self.inception3a(x)))   # N×480×14×14
        x = self.inception4a(x)                                # N×512×14×14
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))   # N×528×14×14
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))                 # N×832×7×7
        x = self.inception5b(self.inception5a(x))              # N×1024×7×7
        x = self.fc(self.dropout(self.avgpool(x).flatten(1)))
        if self.training and self.aux_logits:
            return GoogLeNetOutputs(x, aux2, aux1)
        return x


@register_model
def googlenet(*, weights=None, progress=True, **kwargs):
    no_weights("googlenet", weights)
    return GoogLeNet(**kwargs)
