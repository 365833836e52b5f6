#!/usr/bin/env python3
"""The PyTorch side of tests/Properties/Interchange (PyTorchInterchangeTests): one process for all cases.

Usage: peer.py MANIFEST.json. The manifest lists generated models as Functional.Nets architecture JSON, each with an
input file and a checkpoint written by Checkpoint.Save. For every case this script

  1. builds the matching PyTorch module from the JSON (build(), the name table of the README), in float64,
  2. loads our checkpoint with load_state_dict(strict=True), optimizer entries left out as Checkpoint's documentation
     says, and writes the module's evaluation-mode output on our input (ours_in_torch),
  3. builds a second module with PyTorch's own initialisation (torch.manual_seed(case seed)), randomises batch-norm
     affine weights and running statistics, writes its state_dict as a safetensors file (torch_state) and its output on
     the same input (torch_out), for the test to load here and compare.

safetensors is read and written by hand (8-byte little-endian header length, JSON header, raw little-endian data), so
no safetensors package is needed. Results (PyTorch's version, each case's state_dict names or its error) go to
results.json beside the manifest; the process fails only if the manifest itself cannot be read.
"""
import json
import os
import struct
import sys
import traceback

import torch
from torch import nn

DTYPES = {"F64": torch.float64, "F32": torch.float32, "I64": torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        flat = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    assert sys.byteorder == "little", "this writer stores the machine's bytes; safetensors is little-endian"
    header = {"__metadata__": metadata} if metadata else {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the format allows trailing spaces; 8-byte alignment of the data
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


class RNN(nn.RNN):
    """nn.RNN returning its output only, as Functional.Nets' Rnn.Apply does (same state_dict)."""

    def forward(self, x):
        return super().forward(x)[0]


class LSTM(nn.LSTM):
    """nn.LSTM returning its output only, as Lstm.Apply does (same state_dict)."""

    def forward(self, x):
        return super().forward(x)[0]


class GRU(nn.GRU):
    """nn.GRU returning its output only, as Gru.Apply does (same state_dict)."""

    def forward(self, x):
        return super().forward(x)[0]


def conv_padding(spec, kernel, dilation):
    kind = spec.get("padding", "None")
    if kind == "None":
        return (0, 0)
    if kind == "Half":
        return tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))
    if kind == "Full":
        return tuple(d * (k - 1) for k, d in zip(kernel, dilation))
    pads = spec["pads"]
    if pads[0] != pads[1] or pads[2] != pads[3]:
        raise ValueError("asymmetric padding has no nn.Conv2d argument (it would need nn.ZeroPad2d, another module)")
    return (pads[0], pads[2])


def build(spec, rank):
    """The PyTorch module of one layer's JSON, and the rank of its output given the input's rank."""
    kind = spec["type"]
    if kind == "Sequential":
        modules = []
        for child in spec["layers"]:
            module, rank = build(child, rank)
            modules.append(module)
        return nn.Sequential(*modules), rank
    if kind == "Dense":
        return nn.Linear(spec["inputs"], spec["outputs"], bias=spec.get("bias", True)), rank
    simple = {"Identity": nn.Identity, "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh, "ReLU": nn.ReLU}
    if kind in simple:
        return simple[kind](), rank
    if kind == "LeakyReLU":
        return nn.LeakyReLU(spec.get("alpha", 0.01)), rank
    if kind == "ELU":
        return nn.ELU(spec.get("alpha", 1.0)), rank
    if kind == "Softmax":
        return nn.Softmax(dim=-1), rank
    if kind == "LogSoftmax":
        return nn.LogSoftmax(dim=-1), rank
    if kind == "Dropout":
        if spec.get("kind", "Inverted") != "Inverted":
            raise ValueError("classic dropout scales by 1 - p in evaluation; nn.Dropout is inverted dropout")
        return nn.Dropout(spec.get("p", 0.5)), rank
    if kind == "Dropout2d":
        return nn.Dropout2d(spec.get("p", 0.5)), rank
    if kind == "BatchNorm":
        norm = nn.BatchNorm2d if rank == 4 else nn.BatchNorm1d
        return norm(spec["features"], eps=spec.get("epsilon", 1e-5), momentum=spec.get("momentum", 0.1),
                    affine=spec.get("affine", True), track_running_stats=spec.get("trackRunningStats", True)), rank
    if kind == "Conv2d":
        kernel, dilation = tuple(spec["kernel"]), tuple(spec.get("dilation", [1, 1]))
        return nn.Conv2d(spec["inChannels"], spec["outChannels"], kernel, stride=tuple(spec.get("stride", [1, 1])),
                         padding=conv_padding(spec, kernel, dilation), dilation=dilation, groups=spec.get("groups", 1),
                         bias=spec.get("bias", True)), rank
    if kind == "MaxPool2d":
        return nn.MaxPool2d(tuple(spec["kernel"]), stride=tuple(spec["stride"]), padding=tuple(spec["padding"]),
                            dilation=tuple(spec["dilation"]), ceil_mode=spec["ceilMode"]), rank
    if kind == "AvgPool2d":
        return nn.AvgPool2d(tuple(spec["kernel"]), stride=tuple(spec["stride"]), padding=tuple(spec["padding"]),
                            ceil_mode=spec["ceilMode"], count_include_pad=spec.get("countIncludePad", True)), rank
    if kind == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d((spec["outH"], spec["outW"])), rank
    if kind == "Flatten":
        start = spec.get("startAxis", 1)
        return nn.Flatten(start_dim=start), start + 1
    if kind in ("Rnn", "Lstm", "Gru"):
        if spec.get("resetBeforeWeight", False):
            raise ValueError("the lecture's GRU (reset before W_hn) is not nn.GRU")
        arguments = dict(input_size=spec["inputs"], hidden_size=spec["hidden"], num_layers=spec.get("layers", 1),
                         bias=spec.get("bias", True), batch_first=spec.get("batchFirst", True),
                         dropout=spec.get("dropout", 0.0), bidirectional=spec.get("bidirectional", False))
        if kind == "Rnn":
            return RNN(nonlinearity=spec.get("nonlinearity", "Tanh").lower(), **arguments), rank
        return (LSTM if kind == "Lstm" else GRU)(**arguments), rank
    raise ValueError(f"no PyTorch module for the layer type '{kind}'")


def randomise_batch_norms(module, generator):
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                if m.affine:
                    m.weight.uniform_(0.5, 1.5, generator=generator)
                    m.bias.normal_(0.0, 0.5, generator=generator)
                if m.track_running_stats:
                    m.running_mean.normal_(0.0, 1.0, generator=generator)
                    m.running_var.uniform_(0.5, 2.0, generator=generator)
                    m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=generator)))


def run_case(case, folder):
    x = read_safetensors(os.path.join(folder, case["input"]))[0]["x"]
    rank = x.dim()

    # 1. Our checkpoint into the same module, strictly.
    ours, metadata = read_safetensors(os.path.join(folder, case["checkpoint"]))
    if metadata.get("format") != "pt":
        raise ValueError(f"the checkpoint's __metadata__ format is {metadata.get('format')!r}, expected 'pt'")
    module = build(case["model"], rank)[0].double()
    state_dict = {k: v for k, v in ours.items() if not k.startswith("optimizer.")}
    module.load_state_dict(state_dict, strict=True)
    module.eval()
    with torch.no_grad():
        write_safetensors(os.path.join(folder, case["ours_in_torch"]), {"y": module(x)})
    names = list(module.state_dict().keys())

    # 2. PyTorch's own weights, written as a state_dict, with the output they give.
    torch.manual_seed(case["seed"])
    theirs = build(case["model"], rank)[0].double()
    generator = torch.Generator().manual_seed(case["seed"])
    randomise_batch_norms(theirs, generator)
    theirs.eval()
    with torch.no_grad():
        write_safetensors(os.path.join(folder, case["torch_state"]), theirs.state_dict(), {"format": "pt"})
        write_safetensors(os.path.join(folder, case["torch_out"]), {"y": theirs(x)})
    return {"names": names}


def main():
    manifest_path = sys.argv[1]
    folder = os.path.dirname(os.path.abspath(manifest_path))
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    torch.set_num_threads(1)
    results = {"torch": torch.__version__, "cases": {}}
    for case in manifest["cases"]:
        try:
            results["cases"][case["name"]] = run_case(case, folder)
        except Exception:  # reported per case by the C# side, with the traceback
            results["cases"][case["name"]] = {"error": traceback.format_exc()}
    with open(os.path.join(folder, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f)
    print(f"peer.py: PyTorch {torch.__version__}, {len(manifest['cases'])} cases")


if __name__ == "__main__":
    main()
