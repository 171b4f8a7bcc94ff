"""Reusable models of the course, one file per family, each reading top to bottom like its paper
(cited in the file's docstring), built from ``chainrule.nn`` with constructor arguments or a config.

Families land here with their issues: CNNs (LeNet, VGG, ResNet, ...), recurrent networks, the
Transformer, GAN/VAE/flow/diffusion, BERT/GPT. Layering: models import ``nn``, ``ops`` and below —
never ``lectures`` (experiments use models, not the other way round) and never ``train``.
"""
from . import decoding
from .alexnet import AlexNet, alexnet
from .googlenet import GoogLeNet, GoogLeNetOutputs, googlenet
from .lenet import LeNet5, lenet5
from .mobilenet import MobileNetV2, mobilenet_v2
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn
from .yolo import TinyYOLOv1
from .zoo import get_model, list_models
from .transformer import NonAutoregressiveTransformer, Seq2SeqConfig, Seq2SeqTransformer
from .hmm import HMM
from .jordan import JordanRNN
from .gpt import GPT, GPTConfig
from .bert import (BertConfig, BertForPreTraining, BertForQuestionAnswering, BertForSequenceClassification,
                   BertForTokenClassification, BertModel, mask_tokens)
from . import autoencoder, diffusion, flow, gan, vae
from .autoencoder import AutoEncoder, ConvAutoEncoder, VectorQuantizer
from .diffusion import DDPM, UNet
from .flow import RealNVP
from .gan import CycleGAN, DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from .vae import VAE
