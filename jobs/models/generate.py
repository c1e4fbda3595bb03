"""Models for the jobs in jobs/, exported by real PyTorch as a user would (torch.onnx.export, opset 17,
training mode). Run: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 jobs/models/generate.py
The .onnx files are committed, so running the jobs needs no PyTorch.
"""
import os
import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))


def export(model, example, name):
    model.train()
    torch.onnx.export(model, example, os.path.join(here, name), opset_version=17,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                      training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
    print("wrote", name, sum(p.numel() for p in model.parameters()), "parameters")


class GroupNormCnn(nn.Module):
    """A small CNN for 28x28 grey images with GroupNorm (batch-independent, so it suits non-IID clients)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2), nn.GroupNorm(4, 16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5, padding=2), nn.GroupNorm(8, 32), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


torch.manual_seed(1)
export(GroupNormCnn(), torch.randn(2, 1, 28, 28), "fmnist_groupnorm_cnn.onnx")

torch.manual_seed(2)
iris = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
iris.train()
torch.onnx.export(iris, torch.randn(2, 4), os.path.join(here, "iris_mlp.onnx"), opset_version=17,
                  input_names=["measurements"], output_names=["logits"],
                  dynamic_axes={"measurements": {0: "batch"}, "logits": {0: "batch"}},
                  training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
print("wrote iris_mlp.onnx")

# trees_bn_mlp.onnx (jobs/trees-bn-fedbn.yaml) is a copy of tests/Tessera.Graphs.Tests/PyTorch/fixtures/bn1d.onnx,
# written by generate_norm_conv.py there (class Bn1d: Linear 8->6, BatchNorm1d(6, momentum=0.2), ReLU, Linear 6->3).
