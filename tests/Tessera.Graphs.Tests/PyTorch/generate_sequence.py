"""Exports the sequence/attention fixtures of SequenceImportTests from real PyTorch.

Run from the repository root:  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/Tessera.Graphs.Tests/PyTorch/generate_sequence.py

For each model: seed, build, export `<name>.onnx` (opset 17, training mode, no constant folding) and write
`<name>.ref.safetensors` holding `x` (the input batch), `y` (int64 labels), `loss` (PyTorch's own loss, the
mean cross entropy over every labelled position, as Tessera's SoftmaxCrossEntropy head computes it) and
`grad.<initializer>` for every trainable float initializer of the export. Without constant folding the
exporter keeps PyTorch's own parameter tensors as initializers (the LSTM/GRU W, R, B reorders are Slice/Concat
nodes in the graph), so each gradient is stored under the parameter's own name; if an exporter ever folds them
into `onnx::LSTM_*` initializers the script fails rather than writing a fixture whose names do not match.
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from safetensors_out import write_safetensors  # noqa: E402
OUT = os.path.join(HERE, "fixtures")
BATCH, SEQ, VOCAB = 3, 5, 11  # batch 3: neither the importer's probe batch (2) nor 1


class LstmLm(nn.Module):
    """Embedding -> LSTM -> Linear over the vocabulary at every position."""

    def __init__(self, layers, batch_first, bidirectional=False):
        super().__init__()
        self.batch_first = batch_first
        self.emb = nn.Embedding(VOCAB, 6)
        self.lstm = nn.LSTM(6, 8, num_layers=layers, batch_first=batch_first, bidirectional=bidirectional)
        self.head = nn.Linear(8 * (2 if bidirectional else 1), VOCAB)

    def forward(self, x):
        h = self.emb(x)
        if not self.batch_first:
            h = h.transpose(0, 1)
        h, _ = self.lstm(h)
        if not self.batch_first:
            h = h.transpose(0, 1)
        return self.head(h)


class GruClassifier(nn.Module):
    """Float features [B,T,F] -> GRU -> last layer's final hidden state -> Linear over classes."""

    def __init__(self, layers, batch_first, bidirectional=False):
        super().__init__()
        self.batch_first = batch_first
        self.gru = nn.GRU(4, 7, num_layers=layers, batch_first=batch_first, bidirectional=bidirectional)
        self.head = nn.Linear(7 * (2 if bidirectional else 1), 3)

    def forward(self, x):
        if not self.batch_first:
            x = x.transpose(0, 1)
        _, h = self.gru(x)
        h = torch.cat([h[-2], h[-1]], dim=-1) if self.gru.bidirectional else h[-1]
        return self.head(h)


class MhaClassifier(nn.Module):
    """Embedding -> self-attention (nn.MultiheadAttention) + residual -> mean over time -> Linear."""

    def __init__(self, batch_first):
        super().__init__()
        self.batch_first = batch_first
        self.emb = nn.Embedding(VOCAB, 8)
        self.mha = nn.MultiheadAttention(8, 2, dropout=0.0, batch_first=batch_first)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        h = self.emb(x)
        if not self.batch_first:
            h = h.transpose(0, 1)
        a, _ = self.mha(h, h, h, need_weights=False)
        h = h + a
        if not self.batch_first:
            h = h.transpose(0, 1)
        return self.head(h.mean(dim=1))


class EncoderClassifier(nn.Module):
    """Float features [B,T,D] -> nn.TransformerEncoderLayer -> mean over time -> Linear."""

    def __init__(self, norm_first, activation, batch_first, dropout=0.0):
        super().__init__()
        self.batch_first = batch_first
        self.layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=dropout, activation=activation,
                                                batch_first=batch_first, norm_first=norm_first)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        if not self.batch_first:
            x = x.transpose(0, 1)
        h = self.layer(x)
        if not self.batch_first:
            h = h.transpose(0, 1)
        return self.head(h.mean(dim=1))


class CausalEncoderLm(nn.Module):
    """Embedding -> TransformerEncoderLayer with a causal mask built in forward (Trilu) -> Linear over the vocabulary."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 8)
        self.layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
        self.head = nn.Linear(8, VOCAB)

    def forward(self, x):
        steps = x.shape[1]
        mask = torch.triu(torch.full((steps, steps), float("-inf")), diagonal=1)
        return self.head(self.layer(self.emb(x), src_mask=mask))


def tokens(gen):
    return torch.randint(0, VOCAB, (BATCH, SEQ), generator=gen)


def features(gen, width):
    return torch.randn(BATCH, SEQ, width, generator=gen)


# name -> (model factory, input factory, per-position labels?, dynamic batch axis?)
MODELS = {
    "lstm_lm": (lambda: LstmLm(1, True), tokens, True, True),
    "lstm2_lm_seqfirst": (lambda: LstmLm(2, False), tokens, True, False),
    "lstm_bi_lm": (lambda: LstmLm(1, True, bidirectional=True), tokens, True, True),
    "gru_cls": (lambda: GruClassifier(1, True), lambda g: features(g, 4), False, True),
    "gru2_cls_seqfirst": (lambda: GruClassifier(2, False), lambda g: features(g, 4), False, False),
    "gru_bi_cls": (lambda: GruClassifier(1, True, bidirectional=True), lambda g: features(g, 4), False, True),
    "mha_cls": (lambda: MhaClassifier(True), tokens, False, True),
    "mha_cls_seqfirst": (lambda: MhaClassifier(False), tokens, False, False),
    "encoder_relu": (lambda: EncoderClassifier(False, "relu", True), lambda g: features(g, 8), False, True),
    "encoder_gelu_normfirst": (lambda: EncoderClassifier(True, "gelu", False), lambda g: features(g, 8), False, False),
    # p > 0: not compared with PyTorch (masks differ), only trained.
    "encoder_dropout": (lambda: EncoderClassifier(False, "relu", True, dropout=0.1), lambda g: features(g, 8), False, True),
    # Appended last: each model's seed is its position, so earlier fixtures stay byte-identical.
    "encoder_causal_lm": (CausalEncoderLm, tokens, True, True),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for i, (name, (make, inputs, per_position, dynamic)) in enumerate(MODELS.items()):
        torch.manual_seed(1000 + i)
        gen = torch.Generator().manual_seed(2000 + i)
        model = make()
        x = inputs(gen)
        classes = VOCAB if per_position else 3
        y = torch.randint(0, classes, (BATCH, SEQ) if per_position else (BATCH,), generator=gen)

        path = os.path.join(OUT, name + ".onnx")
        model.train()
        torch.onnx.export(model, (x,), path, opset_version=17, training=torch.onnx.TrainingMode.TRAINING,
                          do_constant_folding=False, input_names=["x"], output_names=["logits"],
                          dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}} if dynamic else None)

        model.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, classes), y.reshape(-1))  # mean over every labelled position
        loss.backward()

        import onnx
        exported = {t.name for t in onnx.load(path).graph.initializer}
        tensors = {"x": x, "y": y, "loss": loss.detach().reshape(())}
        for pname, p in model.named_parameters():
            if pname not in exported:
                raise SystemExit(f"{name}: parameter {pname} is not an initializer of the export ({sorted(exported)})")
            tensors["grad." + pname] = p.grad
        write_safetensors(os.path.join(OUT, name + ".ref.safetensors"), tensors)
        print(f"{name}: loss {loss.item():.6f}, {len(tensors) - 3} gradients")


if __name__ == "__main__":
    main()
