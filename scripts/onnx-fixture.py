#!/usr/bin/python3
"""A foreign ONNX model for Uga's tests, made the way a user would make one: a small PyTorch segmentation network
(conv + BatchNorm + InstanceNorm + LeakyReLU, strided down-sampling, transposed-convolution up-sampling, a skip
connection; nnU-Net's building blocks) exported by torch.onnx.export, two members with different seeds, plus the
model manifest Uga reads and PyTorch's own softmax probabilities for the given tiles, so a test can check that Uga
running the file through ONNX Runtime agrees with the framework that wrote it.

Run with Debian's interpreter (python3-torch, python3-onnx):
  /usr/bin/python3 scripts/onnx-fixture.py --out DIR --tiles TILES.u8 --count N --size P
TILES.u8 holds N tiles of P x P RGB bytes, row-major, channels last. Writes DIR/manifest.json, DIR/member-a.onnx,
DIR/member-b.onnx and DIR/reference.f32 (N x 2 x 3 x P x P float32, little-endian: tile, member, class, y, x).
"""
import argparse
import json
import os

import numpy as np
import torch
from torch import nn

MEAN = [0.70, 0.55, 0.72]
STD = [0.16, 0.20, 0.14]
CLASSES = ["background", "benign", "tumour"]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        act = lambda: nn.LeakyReLU(0.01)
        self.enc = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), act())
        self.down = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.InstanceNorm2d(16, affine=True), act())
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.dec = nn.Sequential(nn.Conv2d(16, 8, 3, padding=1), nn.BatchNorm2d(8), act())
        self.head = nn.Conv2d(8, len(CLASSES), 1)

    def forward(self, x):
        skip = self.enc(x)
        y = self.up(self.down(skip))
        return self.head(self.dec(torch.cat([skip, y], 1)))


def member(seed):
    torch.manual_seed(seed)
    net = Net()
    with torch.no_grad():  # trained-looking BatchNorm statistics, so folding or ignoring them would show
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return net.eval()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--tiles", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--size", type=int, required=True)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    raw = np.fromfile(a.tiles, dtype=np.uint8).reshape(a.count, a.size, a.size, 3)
    x = torch.from_numpy(raw.astype(np.float32) / 255.0).permute(0, 3, 1, 2)
    x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    files, probabilities = [], []
    for name, seed in (("member-a.onnx", 1), ("member-b.onnx", 2)):
        net = member(seed)
        torch.onnx.export(net, x[:1], os.path.join(a.out, name), input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "n", 2: "h", 3: "w"}, "logits": {0: "n", 2: "h", 3: "w"}},
                          opset_version=13)
        with torch.no_grad():
            probabilities.append(torch.softmax(net(x), 1))
        files.append(name)
    torch.stack(probabilities, 1).numpy().astype("<f4").tofile(os.path.join(a.out, "reference.f32"))
    manifest = {"formatVersion": 1, "backend": "onnx", "output": "logits", "classNames": CLASSES, "spacingUm": 0.5,
                "patchSize": a.size, "inputMean": MEAN, "inputStd": STD, "members": len(files), "memberFiles": files}
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(f"wrote {a.out}: torch {torch.__version__}, {len(files)} members")


if __name__ == "__main__":
    main()
