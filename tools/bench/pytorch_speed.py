#!/usr/bin/python3
"""Speed of an S4D in PyTorch on this machine, for side-by-side comparison with `s4d bench`.

Uses the independent PyTorch model of tools/golden/make_golden.py (the reference architecture:
GELU -> Conv1d(H, 2H, 1) -> GLU, residual, post-norm LayerNorm, mean pooling) in float32 and adds the
recurrent step of the public S4D code: cached dA = exp(dt*A), dB*C folded, state (B, H, N/2) complex.

Run with Debian's python3 (python3-torch), from the repository root:
    /usr/bin/python3 tools/bench/pytorch_speed.py [--preset small|large] [--threads 2] [--repeats 5]
Prints the same rows as `./s4d bench` (median of the repeats), training included.
"""
import argparse
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "golden"))
from make_golden import Model  # noqa: E402  (the independent reference implementation)

PRESETS = {
    "small": dict(d_input=1, d_model=64, d_state=64, n_layers=4, n_classes=10, length=784),
    "large": dict(d_input=3, d_model=128, d_state=64, n_layers=4, n_classes=10, length=1024),
}


def kernel_float32(k, length):
    """The ZOH kernel of make_golden.Kernel, computed in the parameters' own precision (float32 here)."""
    dt = torch.exp(k.log_dt).unsqueeze(-1)
    A = torch.complex(-torch.exp(k.log_A_real), k.A_imag)
    dtA = A * dt
    powers = torch.exp(dtA.unsqueeze(-1) * torch.arange(length, dtype=k.log_dt.dtype))
    cb = torch.view_as_complex(k.C.contiguous()) * (torch.exp(dtA) - 1.0) / A
    return 2.0 * torch.einsum("hn,hnl->hl", cb, powers).real


def make_model(p):
    cfg = dict(p, flavour="reference", prenorm=False, readout="mean", discretization="zoh")
    m = Model(cfg)
    with torch.no_grad():
        for layer in m.s4_layers:
            k = layer.kernel
            h, half = k.A_imag.shape
            k.log_dt.copy_(torch.rand(h, dtype=torch.float64) * (torch.log(torch.tensor(0.1)) - torch.log(torch.tensor(0.001))) + torch.log(torch.tensor(0.001)))
            k.log_A_real.fill_(torch.log(torch.tensor(0.5)))
            k.A_imag.copy_(torch.pi * torch.arange(half, dtype=torch.float64).expand(h, half))
            k.C.normal_(0, 0.5 ** 0.5)
            layer.D.normal_()
    m = m.float().eval()
    for layer in m.s4_layers:
        layer.kernel.forward = (lambda k: lambda length: kernel_float32(k, length))(layer.kernel)
    return m


class Stepper:
    """Token-by-token form of Model: per-layer complex state, mean-pooling accumulator."""

    def __init__(self, m, batch):
        self.m = m
        self.layers = []
        for layer in m.s4_layers:
            k = layer.kernel
            dt = torch.exp(k.log_dt).unsqueeze(-1)
            A = torch.complex(-torch.exp(k.log_A_real), k.A_imag)
            dA = torch.exp(dt * A)
            cb = torch.view_as_complex(k.C.contiguous()) * (dA - 1.0) / A
            self.layers.append((dA, cb, layer.D, layer.output_linear[0]))
        h = m.cfg["d_model"]
        self.state = [torch.zeros(batch, h, m.cfg["d_state"] // 2, dtype=torch.complex64) for _ in m.s4_layers]
        self.sum = torch.zeros(batch, h)
        self.t = 0

    @torch.no_grad()
    def step(self, u):  # u: (B, d_input)
        x = self.m.encoder(u)  # (B, H)
        for i, (dA, cb, D, lin) in enumerate(self.layers):
            s = dA * self.state[i] + x.unsqueeze(-1)
            self.state[i] = s
            y = 2.0 * torch.einsum("hn,bhn->bh", cb, s).real + D * x
            z = F.glu(F.linear(F.gelu(y), lin.weight.squeeze(-1), lin.bias), dim=-1)
            x = self.m.norms[i](z + x)
        self.sum += x
        self.t += 1
        return self.m.decoder(self.sum / self.t)


def timed(fn, repeats):
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="small", choices=PRESETS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--streams", type=int, default=64)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--train-batch", type=int, default=32)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    p = PRESETS[a.preset]
    m = make_model(p)
    n_params = sum(t.numel() for t in m.parameters())
    print(f"PyTorch {torch.__version__}, {a.threads} threads; preset {a.preset}: {n_params:,} parameters")
    print(f"{'measurement':40s} {'median':>14s} {'tokens/s':>14s}")

    torch.set_num_threads(1)
    st = Stepper(m, 1)
    u = torch.rand(1, p["d_input"])
    for _ in range(200):
        st.step(u)
    n = 1000
    sec = timed(lambda: [st.step(u) for _ in range(n)], a.repeats) / n
    print(f"{'recurrent, 1 stream, 1 thread':40s} {sec * 1e6:10.1f} µs {1 / sec:14,.0f}")
    torch.set_num_threads(a.threads)

    st = Stepper(m, a.streams)
    u = torch.rand(a.streams, p["d_input"])
    for _ in range(20):
        st.step(u)
    n = 100
    sec = timed(lambda: [st.step(u) for _ in range(n)], a.repeats) / n
    print(f"{'recurrent, ' + str(a.streams) + ' streams, ' + str(a.threads) + ' threads':40s} {sec * 1e6:10.1f} µs {a.streams / sec:14,.0f}")

    x = torch.rand(a.batch, p["length"], p["d_input"])
    with torch.no_grad():
        m(x)
        sec = timed(lambda: m(x), a.repeats)
    print(f"{'conv, batch ' + str(a.batch) + ', L ' + str(p['length']):40s} {sec * 1e3:10.1f} ms {a.batch * p['length'] / sec:14,.0f}")

    # Training as `s4d bench` measures it: forward, backward and an AdamW update of one batch (this
    # model has no dropout, which s4d's training step has at 0.1).
    m.train()
    opt = torch.optim.AdamW(m.parameters(), lr=0.01, weight_decay=0.01)
    xt = torch.randn(a.train_batch, p["length"], p["d_input"])
    yt = torch.randint(0, p["n_classes"], (a.train_batch,))

    def train_step():
        opt.zero_grad()
        F.cross_entropy(m(xt), yt).backward()
        opt.step()

    train_step()
    train_step()
    n = 3
    sec = timed(lambda: [train_step() for _ in range(n)], a.repeats) / n
    name = f"training, batch {a.train_batch}, L {p['length']}"
    print(f"{name:40s} {a.train_batch / sec:6.1f} samples/s {a.train_batch * p['length'] / sec:14,.0f}")


if __name__ == "__main__":
    main()
