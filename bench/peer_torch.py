#!/usr/bin/python3
"""The PyTorch peer for `uga-bench backends`: runs an ONNX file written by `uga export` as an eager PyTorch network
(each node one torch.nn.functional call, weights from the file), so Debian's python3-torch times the very network
Uga runs, with the same threads and input. Prints one JSON line: seconds per forward (after one warm-up) and the
torch version; writes the logits for the input to --output so the caller can check it is the same network.

  /usr/bin/python3 bench/peer_torch.py --onnx M.onnx --input X.f32 --shape N,3,H,W --threads T --repeats R --output Y.f32
"""
import argparse
import json
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def run(graph, weights, x):
    values = {graph.input[0].name: x, **weights}
    for node in graph.node:
        a = attributes(node)
        ins = [values[i] for i in node.input]
        if node.op_type == "Conv":
            pad = a.get("pads", [0, 0, 0, 0])
            y = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, padding=(pad[0], pad[1]))
        elif node.op_type == "ConvTranspose":
            y = F.conv_transpose2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, stride=tuple(a["strides"]))
        elif node.op_type == "Relu":
            y = F.relu(ins[0])
        elif node.op_type == "MaxPool":
            y = F.max_pool2d(ins[0], tuple(a["kernel_shape"]), tuple(a["strides"]))
        elif node.op_type == "Concat":
            y = torch.cat(ins, a["axis"])
        elif node.op_type == "InstanceNormalization":
            y = F.instance_norm(ins[0], weight=ins[1], bias=ins[2], eps=a["epsilon"])
        elif node.op_type == "Identity":
            y = ins[0]
        else:
            raise SystemExit(f"peer_torch: no eager equivalent for {node.op_type}")
        values[node.output[0]] = y
    return values[graph.output[0].name]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--onnx", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--shape", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model = onnx.load(a.onnx)
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    shape = [int(s) for s in a.shape.split(",")]
    x = torch.from_numpy(np.fromfile(a.input, dtype="<f4").reshape(shape))
    seconds = []
    with torch.inference_mode():
        y = run(model.graph, weights, x)  # warm-up, and the output to compare
        y.numpy().astype("<f4").tofile(a.output)
        for _ in range(a.repeats):
            start = time.perf_counter()
            run(model.graph, weights, x)
            seconds.append(time.perf_counter() - start)
    print(json.dumps({"seconds": seconds, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
