#!/usr/bin/python3
"""Golden vectors for s4d-java: small S4D models and their outputs, from an independent PyTorch model.

What it makes (in core/src/test/resources/golden/):
  <name>.safetensors  a model's state_dict in the public reference model's naming (state-spaces/s4
                      example.py + minimal S4D layer), F32, WITHOUT s4d.config metadata, i.e. exactly
                      what a PyTorch user would hand us;
  <name>.json         the import options the Java side needs (prenorm, readout, discretization), the
                      config it should infer, a batch of 3 inputs, their final logits, and the logits
                      after every token of sequence 0, computed causally (a fresh forward pass over each
                      prefix 0..t, so it does not rely on the causality of the model under test);
  dtypes.safetensors  small F16/BF16/F64/F32 tensors, and dtypes.json with their values as float32.

Regenerate (from the repository root; Debian's python with python3-torch 1.13, not the python on PATH):
    /usr/bin/python3 tools/golden/make_golden.py
Output is deterministic for a given PyTorch build (fixed seeds, float64 throughout).

Check model files written by the Java code (optional; the Java golden test exports every golden model it
loads to core/target/golden-export/ after running `./mvnw -pl core test`):
    /usr/bin/python3 tools/golden/make_golden.py --check-java core/target/golden-export
This reads them with the tiny reader below (the `safetensors` package is not needed), checks the layout
and metadata, loads them with load_state_dict(strict=True) and compares logits to the golden ones.

The model here is written from the S4D equations, in float64/complex128 so that the Java double-precision
reference can be held to ~1e-12. Parameters are drawn in float64, rounded to float32, and the float64
model is built from the rounded values, so both sides start from the same numbers.
"""
import argparse
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "core", "src", "test", "resources", "golden"))

# ----------------------------------------------------------------------------------- safetensors I/O
# Written from the format description: u64 LE header length, JSON header, raw LE data.

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}


def st_write(path, tensors, metadata=None):
    """Tensors sorted by name, header padded with spaces to a multiple of 8, like the reference library."""
    assert sys.byteorder == "little"
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        blob = t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def st_read(path):
    """Returns (metadata, {name: tensor}, header_length, header) after checking the layout strictly."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert 8 + n <= len(raw), "header length past end of file"
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    meta = header.pop("__metadata__", {})
    tensors, spans = {}, []
    for name, e in header.items():
        dt = DTYPES[e["dtype"]]
        b, end = e["data_offsets"]
        count = math.prod(e["shape"])
        assert end - b == count * torch.tensor([], dtype=dt).element_size(), name
        spans.append((b, end))
        buf = bytearray(data[b:end])
        t = torch.frombuffer(buf, dtype=dt) if count else torch.empty(0, dtype=dt)
        tensors[name] = t.reshape(e["shape"]).clone()
    spans.sort()
    pos = 0
    for b, end in spans:
        assert b == pos, "holes or overlaps in data_offsets"
        pos = end
    assert pos == len(data), "trailing bytes"
    return meta, tensors, n, header


# ----------------------------------------------------------------------------------------- the model

class Kernel(nn.Module):
    """S4D convolution kernel K (H, L) from log_dt, C (as [re, im]), log_A_real, A_imag."""

    def __init__(self, h, n, disc):
        super().__init__()
        self.disc = disc
        self.log_dt = nn.Parameter(torch.zeros(h, dtype=torch.float64))
        self.C = nn.Parameter(torch.zeros(h, n // 2, 2, dtype=torch.float64))
        self.log_A_real = nn.Parameter(torch.zeros(h, n // 2, dtype=torch.float64))
        self.A_imag = nn.Parameter(torch.zeros(h, n // 2, dtype=torch.float64))

    def forward(self, length):
        dt = torch.exp(self.log_dt).unsqueeze(-1)               # (H, 1)
        A = torch.complex(-torch.exp(self.log_A_real), self.A_imag)
        C = torch.view_as_complex(self.C)
        dtA = A * dt
        ell = torch.arange(length, dtype=torch.float64)
        if self.disc == "zoh":
            # Ā^l = exp(l·ΔA), B̄ = (exp(ΔA) − 1)/A
            powers = torch.exp(dtA.unsqueeze(-1) * ell)
            cb = C * (torch.exp(dtA) - 1.0) / A
        else:
            # Ā = (1 + ΔA/2)/(1 − ΔA/2), B̄ = Δ/(1 − ΔA/2); Ā^l as exp(l·log Ā)
            a_bar = (1.0 + dtA / 2) / (1.0 - dtA / 2)
            powers = torch.exp(torch.log(a_bar).unsqueeze(-1) * ell)
            cb = C * dt / (1.0 - dtA / 2)
        return 2.0 * torch.einsum("hn,hnl->hl", cb, powers).real


class Block(nn.Module):
    """S4D layer with its pointwise part: GELU → Conv1d(H, 2H, 1) → GLU (reference) or ReLU → Conv1d(H, H, 1) (loihi)."""

    def __init__(self, h, n, flavour, disc):
        super().__init__()
        self.flavour = flavour
        self.D = nn.Parameter(torch.zeros(h, dtype=torch.float64))
        self.kernel = Kernel(h, n, disc)
        out = 2 * h if flavour == "reference" else h
        # A Sequential so the key is output_linear.0.*, as in the reference.
        self.output_linear = nn.Sequential(nn.Conv1d(h, out, 1).double())

    def forward(self, u):                                        # u: (B, H, L)
        length = u.shape[-1]
        k = self.kernel(length)
        y = torch.fft.irfft(torch.fft.rfft(u, n=2 * length) * torch.fft.rfft(k, n=2 * length), n=2 * length)[..., :length]
        y = y + u * self.D.unsqueeze(-1)
        if self.flavour == "reference":
            return F.glu(self.output_linear(F.gelu(y)), dim=-2)
        return self.output_linear(F.relu(y))


class Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        h = cfg["d_model"]
        self.encoder = nn.Linear(cfg["d_input"], h).double()
        self.s4_layers = nn.ModuleList(Block(h, cfg["d_state"], cfg["flavour"], cfg["discretization"])
                                       for _ in range(cfg["n_layers"]))
        if cfg["flavour"] == "reference":
            self.norms = nn.ModuleList(nn.LayerNorm(h).double() for _ in range(cfg["n_layers"]))
        self.decoder = nn.Linear(h, cfg["n_classes"]).double()

    def forward(self, x):                                        # x: (B, L, d_input)
        x = self.encoder(x).transpose(-1, -2)                    # (B, H, L)
        for i, layer in enumerate(self.s4_layers):
            if self.cfg["flavour"] == "reference":
                norm = lambda v: self.norms[i](v.transpose(-1, -2)).transpose(-1, -2)
                z = norm(x) if self.cfg["prenorm"] else x
                x = layer(z) + x
                if not self.cfg["prenorm"]:
                    x = norm(x)
            else:
                x = layer(x)
        pooled = x.mean(dim=-1) if self.cfg["readout"] == "mean" else x[..., -1]
        return self.decoder(pooled)


def randomise(model, gen, a_init="lin"):
    """Parameters well away from initialisation, then rounded to float32 (kept in float64 tensors)."""
    def normal(shape, std=1.0):
        return torch.randn(shape, generator=gen, dtype=torch.float64) * std

    def uniform(shape, lo, hi):
        return lo + (hi - lo) * torch.rand(shape, generator=gen, dtype=torch.float64)

    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("log_dt"):
                v = uniform(p.shape, math.log(0.005), math.log(0.5))
            elif name.endswith("log_A_real"):
                v = math.log(0.5) + normal(p.shape, 0.5)
            elif name.endswith("A_imag"):
                h, m = p.shape
                n = torch.arange(m, dtype=torch.float64)
                base = math.pi * n if a_init == "lin" else (2 * m / math.pi) * (2 * m / (2 * n + 1) - 1)
                v = base.expand(h, m) + normal(p.shape, 0.3)
            elif name.endswith("kernel.C"):
                v = normal(p.shape, math.sqrt(0.5))
            elif name.endswith(".D"):
                v = normal(p.shape)
            elif name.startswith("norms.") and name.endswith("weight"):
                v = 1.0 + normal(p.shape, 0.3)
            elif name.startswith("norms.") and name.endswith("bias"):
                v = normal(p.shape, 0.2)
            else:                                                # linear and conv weights and biases
                fan_in = p.shape[1] if p.dim() > 1 else model_fan_in(model, name)
                bound = 1.0 / math.sqrt(fan_in)
                v = uniform(p.shape, -bound, bound) * 1.5
            p.copy_(v.float().double())


def model_fan_in(model, bias_name):
    weight = dict(model.named_parameters())[bias_name[:-len("bias")] + "weight"]
    return weight.shape[1] * (weight.shape[2] if weight.dim() > 2 else 1)


# --------------------------------------------------------------------------------------- generation

CASES = [
    # name, config, seed, A initialisation, length
    ("reference_postnorm", dict(d_input=1, d_model=8, d_state=8, n_layers=2, n_classes=10, flavour="reference",
                                prenorm=False, readout="mean", discretization="zoh"), 11, "lin", 64),
    ("reference_prenorm", dict(d_input=3, d_model=8, d_state=16, n_layers=2, n_classes=10, flavour="reference",
                               prenorm=True, readout="mean", discretization="zoh"), 12, "inv", 100),
    ("loihi_mean", dict(d_input=1, d_model=8, d_state=8, n_layers=3, n_classes=10, flavour="loihi",
                        prenorm=False, readout="mean", discretization="zoh"), 13, "lin", 50),
    ("loihi_last", dict(d_input=2, d_model=8, d_state=8, n_layers=3, n_classes=5, flavour="loihi",
                        prenorm=False, readout="last", discretization="zoh"), 14, "lin", 50),
    ("reference_bilinear", dict(d_input=1, d_model=8, d_state=8, n_layers=2, n_classes=10, flavour="reference",
                                prenorm=False, readout="mean", discretization="bilinear"), 15, "lin", 64),
]
BATCH = 3


def build(cfg, seed, a_init):
    gen = torch.Generator().manual_seed(seed)
    model = Model(cfg)
    randomise(model, gen, a_init)
    model.eval()
    return model, gen


def outputs(model, x):
    with torch.no_grad():
        logits = model(x)
        per_token = torch.cat([model(x[:1, :t + 1]) for t in range(x.shape[1])])
    return logits, per_token


def generate():
    os.makedirs(OUT, exist_ok=True)
    for name, cfg, seed, a_init, length in CASES:
        model, gen = build(cfg, seed, a_init)
        x = torch.randn(BATCH, length, cfg["d_input"], generator=gen, dtype=torch.float64).float().double()
        logits, per_token = outputs(model, x)
        st_write(os.path.join(OUT, name + ".safetensors"),
                 {k: v.float() for k, v in model.state_dict().items()}, {"format": "pt"})
        vectors = {
            "model_file": name + ".safetensors",
            "options": {k: cfg[k] for k in ("prenorm", "readout", "discretization")},
            "config": cfg,
            "length": length,
            "inputs": x.tolist(),
            "logits": logits.tolist(),
            "per_token_sequence": 0,
            "per_token_logits": per_token.tolist(),
        }
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(vectors, f, separators=(",", ":"))
            f.write("\n")
        print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, logits[0] = {logits[0, :3].tolist()}")
    make_dtype_file()


def make_dtype_file():
    """Conversions to float32 as PyTorch does them, for the Java reader's F16/BF16/F64 paths."""
    values = torch.tensor([0.0, -0.0, 1.0, -2.5, 3.14159265358979, 65504.0, 6.1e-5, 6e-8, 1e-3, -1234.5678,
                           0.1, 1e-50, 3.0e38, 2.0 ** -140], dtype=torch.float64)
    tensors = {
        "a_f16": values[:12].to(torch.float16).reshape(3, 4),
        "b_bf16": values.to(torch.bfloat16).reshape(2, 7),
        "c_f64": values.reshape(7, 2),
        "d_f32": values.to(torch.float32),
    }
    st_write(os.path.join(OUT, "dtypes.safetensors"), tensors, {"format": "pt", "purpose": "dtype conversion test"})
    expected = {k: {"shape": list(v.shape), "dtype": DTYPE_NAMES[v.dtype],
                    "values": v.float().double().flatten().tolist()} for k, v in tensors.items()}
    with open(os.path.join(OUT, "dtypes.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


# ------------------------------------------------------------------------------- Java file checking

def check_java(directory):
    files = sorted(f for f in os.listdir(directory) if f.endswith(".safetensors"))
    if not files:
        print(f"no .safetensors files in {directory}")
        return 1
    failures = 0
    for fname in files:
        path = os.path.join(directory, fname)
        meta, tensors, n, header = st_read(path)
        problems = []
        if n % 8:
            problems.append(f"header length {n} not a multiple of 8")
        if meta.get("format") != "pt" or meta.get("s4d.version") != "1":
            problems.append(f"metadata {meta}")
        if any(e["dtype"] != "F32" for e in header.values()):
            problems.append("non-F32 tensors")
        cfg = json.loads(meta["s4d.config"])
        model = Model(cfg)
        model.load_state_dict({k: v.double() for k, v in tensors.items()}, strict=True)
        model.eval()
        golden = os.path.join(OUT, fname[:-len(".safetensors")] + ".json")
        if os.path.exists(golden):
            with open(golden) as f:
                g = json.load(f)
            if cfg != g["config"]:
                problems.append(f"config {cfg} != golden {g['config']}")
            logits, per_token = outputs(model, torch.tensor(g["inputs"], dtype=torch.float64))
            err = max((logits - torch.tensor(g["logits"], dtype=torch.float64)).abs().max().item(),
                      (per_token - torch.tensor(g["per_token_logits"], dtype=torch.float64)).abs().max().item())
            if err > 1e-12:
                problems.append(f"logits differ from golden by {err}")
            detail = f"max |logit diff| {err:.1e}"
        else:
            detail = "no golden vectors; layout and load_state_dict only"
        print(f"{fname}: {'OK' if not problems else 'FAIL ' + '; '.join(problems)} ({detail})")
        failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check-java", metavar="DIR", help="check .safetensors files written by the Java code")
    args = parser.parse_args()
    torch.set_num_threads(1)
    sys.exit(check_java(args.check_java) if args.check_java else generate())
