"""Exports the normalization/convolution/activation fixtures of NormConvImportTests from real PyTorch.

Run from the repository root:  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/Tessera.Graphs.Tests/PyTorch/generate_norm_conv.py [name...]

For each model: seed, build, export `<name>.onnx` (opset 17, training mode, no constant folding) and write
`<name>.ref.safetensors` holding `x`, `y` (int64 labels), `loss` (mean cross entropy over the batch, as
Tessera's SoftmaxCrossEntropy head computes it), `grad.<initializer>` for every trainable parameter and
`noise.<initializer>` (a scalar: how far PyTorch's own float32 gradient is from the float64 reference),
`running.<buffer>` for every BatchNorm running mean/variance after one training forward pass, and `eval_loss`
(the loss in eval mode with those running statistics and the unchanged weights).

The reference loss and gradients are computed in float64 (a double copy of the model) and stored as float32:
deep nets with BatchNorm at batch 2 amplify float32 rounding, and the test should measure Tessera's error,
not PyTorch's. The script prints how far PyTorch's own float32 gradients are from that reference.
"""
import copy
import json
import os
import struct
import sys

import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import BasicBlock, ResNet

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from safetensors_out import write_safetensors  # noqa: E402
OUT = os.path.join(HERE, "fixtures")


class Bn2d(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x):
        return self.fc(torch.flatten(F.relu(self.bn(self.conv(x))), 1))


class Bn1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 6)
        self.bn = nn.BatchNorm1d(6, momentum=0.2)
        self.fc2 = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


class GroupNormNet(nn.Module):
    """GroupNorm exports as Reshape -> InstanceNormalization -> Reshape -> Mul -> Add."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.gn = nn.GroupNorm(3, 6)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        h = F.silu(self.gn(self.conv(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(h, (1, 1)), 1))


class InstanceNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.inorm = nn.InstanceNorm2d(4, affine=True)
        self.fc = nn.Linear(4 * 3 * 3, 3)

    def forward(self, x):
        return self.fc(torch.flatten(torch.sigmoid(self.inorm(self.conv(x))), 1))


class LayerNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 10)
        self.ln = nn.LayerNorm(10)
        self.fc2 = nn.Linear(10, 3)

    def forward(self, x):
        return self.fc2(F.gelu(self.ln(self.fc1(x))))


class GroupedConvNet(nn.Module):
    """Grouped, depthwise, strided and asymmetrically padded convolutions with ReLU6 and Hardswish."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2)
        self.dw = nn.Conv2d(8, 8, (3, 5), padding=(1, 2), groups=8)
        self.c2 = nn.Conv2d(8, 6, 1, bias=False)
        self.dw2 = nn.Conv2d(6, 12, 3, stride=(2, 1), padding=0, groups=6, dilation=(1, 2))
        self.fc = nn.Linear(12, 3)

    def forward(self, x):
        h = F.relu6(self.c1(x))
        h = F.hardswish(self.dw(h))
        h = self.c2(h)
        h = h * F.hardsigmoid(h)          # the HardSigmoid * x form of hardswish
        h = self.dw2(h)
        return self.fc(torch.flatten(nn.AdaptiveAvgPool2d((1, 1))(h), 1))


class ActivationNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 10)
        self.fc2 = nn.Linear(10, 10)
        self.fc3 = nn.Linear(10, 10)
        self.fc4 = nn.Linear(10, 3)

    def forward(self, x):
        h = F.gelu(self.fc1(x))                       # Erf form
        h = F.gelu(self.fc2(h), approximate="tanh")   # tanh form, decomposed by the exporter at opset 17
        h = F.silu(self.fc3(h)) + torch.sigmoid(h) + F.relu6(h * 4)
        return self.fc4(F.hardswish(h))


class NarrowResNet18(ResNet):
    """ResNet-18's topology (torchvision's BasicBlock, layers [2, 2, 2, 2], its stem and head) at a quarter of
    its width: the full-width model is 45 MB of float32 weights, too large to commit with its gradients."""

    def __init__(self, num_classes=10, width=16):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = width
        self.dilation = 1
        self.groups = 1
        self.base_width = 64
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(BasicBlock, width, 2)
        self.layer2 = self._make_layer(BasicBlock, width * 2, 2, stride=2)
        self.layer3 = self._make_layer(BasicBlock, width * 4, 2, stride=2)
        self.layer4 = self._make_layer(BasicBlock, width * 8, 2, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width * 8, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


def restore_buffers(path, model):
    proto = onnx.load(path)
    buffers = {k: v for k, v in model.named_buffers() if not k.endswith("num_batches_tracked")}
    for i, t in enumerate(proto.graph.initializer):
        if t.name in buffers:
            proto.graph.initializer[i].CopyFrom(onnx.numpy_helper.from_array(buffers[t.name].detach().numpy(), t.name))
    onnx.save(proto, path)


def images(c, h, w):
    return lambda gen, batch: torch.randn(batch, c, h, w, generator=gen)


def vectors(n):
    return lambda gen, batch: torch.randn(batch, n, generator=gen)


# name -> (model factory, input factory, batch, classes). MobileNetV2 at width 0.5 and the quarter-width ResNet-18
# keep the committed fixtures near 6 MB each (full width: 9 and 45 MB of weights, twice that with gradients);
# 64x64 inputs keep the last BatchNorms above 1x1 (at batch 2 a 1x1 map normalizes two values).
MODELS = {
    "bn2d": (Bn2d, images(3, 6, 6), 4, 3),
    "bn1d": (Bn1d, vectors(8), 5, 3),
    "groupnorm": (GroupNormNet, images(3, 5, 5), 3, 3),
    "instancenorm": (InstanceNormNet, images(3, 6, 6), 3, 3),
    "layernorm": (LayerNormNet, vectors(8), 3, 3),
    "grouped_conv": (GroupedConvNet, images(4, 9, 10), 3, 3),
    "activations": (ActivationNet, vectors(8), 4, 3),
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(num_classes=10, width_mult=0.5, dropout=0.0), images(3, 64, 64), 2, 10),
    "resnet18": (lambda: NarrowResNet18(num_classes=10), images(3, 64, 64), 2, 10),
}


def main(names):
    os.makedirs(OUT, exist_ok=True)
    for i, (name, (make, inputs, batch, classes)) in enumerate(MODELS.items()):
        if names and name not in names:
            continue
        torch.manual_seed(3000 + i)
        gen = torch.Generator().manual_seed(4000 + i)
        model = make()
        x = inputs(gen, batch)
        y = torch.randint(0, classes, (batch,), generator=gen)

        # Exporting in training mode traces a forward pass, which moves the running statistics before they are
        # serialized: export a copy, then put the untouched statistics back into the file.
        path = os.path.join(OUT, name + ".onnx")
        exported_model = copy.deepcopy(model).train()
        torch.onnx.export(exported_model, (x,), path, opset_version=17, training=torch.onnx.TrainingMode.TRAINING,
                          do_constant_folding=False, input_names=["x"], output_names=["logits"],
                          keep_initializers_as_inputs=False, export_params=True,
                          dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})
        restore_buffers(path, model)

        # float32 PyTorch, to report its own distance from the float64 reference.
        f32 = copy.deepcopy(model).train()
        loss32 = F.cross_entropy(f32(x), y)
        loss32.backward()

        ref = copy.deepcopy(model).double().train()
        loss = F.cross_entropy(ref(x.double()), y)   # mean over the batch
        loss.backward()

        exported = {t.name for t in onnx.load(path).graph.initializer}
        tensors = {"x": x, "y": y, "loss": loss.detach().float().reshape(())}
        worst = 0.0
        grads32 = dict(f32.named_parameters())
        # As the C# test measures: gradients analytically zero (a bias before BatchNorm) against 1% of the largest.
        largest = max(p.grad.double().norm().item() for p in ref.parameters())
        for pname, p in ref.named_parameters():
            if pname not in exported:
                raise SystemExit(f"{name}: parameter {pname} is not an initializer of the export")
            tensors["grad." + pname] = p.grad.float()
            diff = (grads32[pname].grad.double() - p.grad.double()).norm().item()
            norm = p.grad.double().norm().item()
            noise = diff / (norm if norm >= 1e-9 * largest else 1e-2 * largest)
            # PyTorch's own float32 error on this tensor: where cancellation makes a gradient ill-conditioned
            # (tiny BatchNorm weight gradients deep in MobileNetV2), no float32 implementation can reach 1e-4.
            tensors["noise." + pname] = torch.tensor(noise, dtype=torch.float32)
            worst = max(worst, noise)
        for bname, buf in ref.named_buffers():
            if bname.endswith("num_batches_tracked"):
                continue
            if bname not in exported:
                raise SystemExit(f"{name}: buffer {bname} is not an initializer of the export")
            tensors["running." + bname] = buf.float()
        if any(k.startswith("running.") for k in tensors):
            with torch.no_grad():
                tensors["eval_loss"] = F.cross_entropy(ref.eval()(x.double()), y).float().reshape(())
        write_safetensors(os.path.join(OUT, name + ".ref.safetensors"), tensors)
        size = os.path.getsize(path) + os.path.getsize(os.path.join(OUT, name + ".ref.safetensors"))
        print(f"{name}: loss {loss.item():.6f} (float32 rel {abs(loss32.item() - loss.item()) / loss.item():.2g}), "
              f"{sum(1 for k in tensors if k.startswith('grad.'))} gradients (float32 worst rel {worst:.2g}), "
              f"{sum(1 for k in tensors if k.startswith('running.'))} running stats, {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
