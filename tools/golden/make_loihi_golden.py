#!/usr/bin/python3
"""Golden integer vectors for the Loihi fixed-point engine: a third implementation of
docs/LOIHI_ARITHMETIC.md in plain Python integers, written from the spec only.

What it makes (in loihi/src/test/resources/golden-loihi/), one <case>.json per small integer model:
  model, quant          the ModelConfig and QuantConfig JSON (snake_case, as the Java records read them);
  input_fraction, blocks, output_linear, output_fraction, decoder, logit_fraction, calibrated_max
                        every field of dev.s4d.loihi.quant.QuantizedModel (record components in snake_case;
                        dense weights row-major outputs x inputs, S4D coefficients [channel][mode]);
  sigma_delta, threshold the engine options the expected outputs were computed with;
  sequences             inputs (T x d_input floats, all exactly representable as float32) and, for a run
                        from the zero state: the class neurons' integers z after the last token and after
                        every token (trace), the real logits, the prediction, and the counters of the run
                        (tokens, neuron updates and messages per neuron group, synaptic operations per
                        synapse group, saturations per site). Updates count every neuron of every group,
                        input and class neurons included, once per token.

Regenerate (from the repository root; any Python 3, no packages needed):
    /usr/bin/python3 tools/golden/make_loihi_golden.py
The output is deterministic: the random numbers come from a SplitMix64 written below, not from the
random module, and all arithmetic is on Python integers (unbounded, so every bound is explicit). Inputs
are dyadic rationals, so quantising them is exact (Fraction) and half of them are rounding ties.

The models are random integer models, not quantised float models: the spec's arithmetic does not care
where the integers came from. Their shifts are chosen so that values stay mostly inside their widths,
and each case's calibrated magnitudes are the largest payloads of a calibration sequence, as the
quantiser would record them. The pass here is token by token (the order of the spec's "One token, in
integers"), unlike the Java PlainChipSimulator, which pipelines tokens through explicit synapse tables.
"""
import json
import math
import os
import struct
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "loihi", "src", "test", "resources", "golden-loihi"))

MASK64 = (1 << 64) - 1


class SplitMix64:
    """Steele, Lea and Flood's SplitMix64: tiny, and the same numbers on every Python."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def int_in(self, lo, hi):
        """Uniform integer in [lo, hi] (the modulo bias is irrelevant here)."""
        return lo + self.next64() % (hi - lo + 1)


# ------------------------------------------------------------------------------ the spec's arithmetic

class Arithmetic:
    """shr, bound and input quantisation of "Numbers and formats", counting bound events per site."""

    def __init__(self, rounding, overflow, saturations):
        self.rounding = rounding
        self.overflow = overflow
        self.saturations = saturations

    def shr(self, x, k):
        if k < 0:
            return x * 2 ** (-k)
        if k == 0:
            return x
        if self.rounding == "nearest":
            return (x + 2 ** (k - 1)) >> k  # Python's >> on ints is floor division by 2^k
        if self.rounding == "floor":
            return x >> k
        if self.rounding == "toward_zero":
            return -((-x) >> k) if x < 0 else x >> k
        raise ValueError(self.rounding)

    def bound(self, x, bits, site):
        lo, hi = -2 ** (bits - 1), 2 ** (bits - 1) - 1
        if lo <= x <= hi:
            return x
        self.saturations[site] += 1
        if self.overflow == "saturate":
            return lo if x < lo else hi
        if self.overflow == "wrap":
            return (x - lo) % 2 ** bits + lo
        raise ValueError(self.overflow)


def quantise(x, fraction):
    """rint(x * 2^f), half to even, exactly (round() of a Fraction rounds half to even)."""
    return round(Fraction(x) * Fraction(2) ** fraction)


# ------------------------------------------------------------------------------------- the neuron graph

def graph(m):
    """Neuron groups (name, size), synapse groups (name, source, fan-out) and sites, as in the spec."""
    h, modes, layers = m["model"]["d_model"], m["model"]["d_state"] // 2, m["model"]["n_layers"]
    neurons = [("input", m["model"]["d_input"])]
    synapses = []
    sites = ["input.payload"]
    prev = "input"
    for l in range(1, layers + 1):
        neurons += [("u%d" % l, h), ("s4d%d" % l, h * modes), ("relu%d" % l, h)]
        synapses += [("encoder" if l == 1 else "mix%d" % (l - 1), prev, h),
                     ("fanout%d" % l, "u%d" % l, modes),
                     ("fanin%d" % l, "s4d%d" % l, 1)]
        sites += ["u%d.accumulator" % l, "u%d.payload" % l, "s4d%d.state" % l, "s4d%d.payload" % l,
                  "relu%d.accumulator" % l, "relu%d.payload" % l]
        prev = "relu%d" % l
    neurons += [("out", h), ("classes", m["model"]["n_classes"])]
    synapses += [("mix%d" % layers, prev, h), ("decoder", "out", m["model"]["n_classes"])]
    sites += ["out.accumulator", "out.payload", "classes.accumulator", "classes.state"]
    return neurons, synapses, sites


class Run:
    """One stream from the zero state, fed token by token, with its own counters."""

    def __init__(self, m, sigma_delta, threshold):
        self.m = m
        q = m["quant"]
        self.P, self.S, self.Acc = q["spike_bits"], q["state_bits"], q["accumulator_bits"]
        self.neurons, self.synapses, sites = graph(m)
        self.saturations = {s: 0 for s in sites}
        self.ar = Arithmetic(q["rounding"], q["overflow"], self.saturations)
        self.sigma_delta = sigma_delta
        self.theta = {g: math.ceil(threshold * m["calibrated_max"][g]) for g, _ in self.neurons if g != "classes"}
        self.sent = {g: [0] * n for g, n in self.neurons}  # s-hat: what each sender's receivers last got
        self.messages = {g: 0 for g, _ in self.neurons}
        self.updates = {g: 0 for g, _ in self.neurons}
        self.synops = {s: 0 for s, _, _ in self.synapses}
        self.out_synapse = {src: (name, fan) for name, src, fan in self.synapses}
        hm = m["model"]["d_model"] * m["model"]["d_state"] // 2
        self.re = [[0] * hm for _ in m["blocks"]]
        self.im = [[0] * hm for _ in m["blocks"]]
        self.z = [0] * m["model"]["n_classes"]
        self.tokens = 0
        self.trace = []

    def send(self, group, values):
        """What the receivers compute with: the payloads, or with sigma-delta the values last sent."""
        count = 0
        last = self.sent[group]
        for i, v in enumerate(values):
            if not self.sigma_delta:
                count += v != 0
                last[i] = v
            elif v != last[i] and abs(v - last[i]) >= self.theta[group]:
                count += 1
                last[i] = v
        self.messages[group] += count
        name, fan = self.out_synapse[group]
        self.synops[name] += count * fan
        return list(last)

    def dense(self, layer, a, site):
        n_in = layer["inputs"]
        return [self.ar.bound(sum(layer["weights"][i * n_in + j] * a[j] for j in range(n_in)) + layer["bias"][i],
                              self.Acc, site) for i in range(layer["outputs"])]

    def token(self, x):
        m, ar, P, S, Acc = self.m, self.ar, self.P, self.S, self.Acc
        for g, n in self.neurons:
            self.updates[g] += n
        self.tokens += 1
        a = self.send("input", [ar.bound(quantise(v, m["input_fraction"]), P, "input.payload") for v in x])
        f_sender = m["input_fraction"]
        for l, blk in enumerate(m["blocks"], start=1):
            lay = blk["input"]
            acc = self.dense(lay, a, "u%d.accumulator" % l)
            u_shift = lay["weight_fraction"] + f_sender - blk["u_fraction"]
            u = self.send("u%d" % l, [ar.bound(ar.shr(v, u_shift), P, "u%d.payload" % l) for v in acc])
            c = blk["s4d"]
            modes = c["modes"]
            re, im = self.re[l - 1], self.im[l - 1]
            y = []
            for h in range(c["channels"]):
                for n in range(modes):
                    i = h * modes + n
                    nre = ar.bound(ar.shr(re[i] * c["a_re"][i] - im[i] * c["a_im"][i], c["exp_a"])
                                   + ar.shr(u[h] * c["b_re"][i], c["exp_b"]), S, "s4d%d.state" % l)
                    nim = ar.bound(ar.shr(re[i] * c["a_im"][i] + im[i] * c["a_re"][i], c["exp_a"])
                                   + ar.shr(u[h] * c["b_im"][i], c["exp_b"]), S, "s4d%d.state" % l)
                    re[i], im[i] = nre, nim
                    out = ar.shr(c["c_re"][i] * nre - c["c_im"][i] * nim, c["exp_c"])
                    if n == 0:
                        out += ar.shr(u[h] * c["d"][h], c["exp_d"])
                    y.append(ar.bound(out, P, "s4d%d.payload" % l))
            y = self.send("s4d%d" % l, y)
            r = []
            for h in range(c["channels"]):
                acc_y = ar.bound(sum(y[h * modes:(h + 1) * modes]), Acc, "relu%d.accumulator" % l)
                r.append(ar.bound(ar.shr(max(acc_y, 0), blk["y_fraction"] - blk["relu_fraction"]), P, "relu%d.payload" % l))
            a = self.send("relu%d" % l, r)
            f_sender = blk["relu_fraction"]
        out_lin = m["output_linear"]
        acc = self.dense(out_lin, a, "out.accumulator")
        o_shift = out_lin["weight_fraction"] + f_sender - m["output_fraction"]
        o = self.send("out", [ar.bound(ar.shr(v, o_shift), P, "out.payload") for v in acc])
        acc = self.dense(m["decoder"], o, "classes.accumulator")
        if m["model"]["readout"] == "last":
            self.z = acc
        else:
            pool_shift = m["decoder"]["weight_fraction"] + m["output_fraction"] - m["logit_fraction"]
            self.z = [ar.bound(z + ar.shr(v, pool_shift), S, "classes.state") for z, v in zip(self.z, acc)]
        self.trace.append(list(self.z))

    def logits(self):
        if self.m["model"]["readout"] == "last":
            f = self.m["decoder"]["weight_fraction"] + self.m["output_fraction"]
            return [math.ldexp(z, -f) for z in self.z]
        return [math.ldexp(z, -self.m["logit_fraction"]) / self.tokens for z in self.z]

    def payload_max(self):
        """Largest |value| each sender group sent so far (only meaningful without sigma-delta)."""
        return {g: max(abs(v) for v in self.sent[g]) for g, _ in self.neurons if g != "classes"}


# --------------------------------------------------------------------------------------- random models

def dense(rng, outputs, inputs, weight_bits, bias_bits):
    wmax = 2 ** (weight_bits - 1) - 1
    weights = [0 if rng.int_in(0, 9) == 0 else rng.int_in(-wmax, wmax) for _ in range(outputs * inputs)]
    bias = [rng.int_in(-2 ** bias_bits, 2 ** bias_bits) for _ in range(outputs)]
    return {"outputs": outputs, "inputs": inputs, "weights": weights, "weight_fraction": weight_bits - 2, "bias": bias}


def s4d(rng, channels, modes, cb, exp_b, exp_c):
    """Stable Ā (0.5 < |Ā| < 0.97) at exponent cb − 1; B̄ and C at the given exponents, D with gain below 1/2."""
    one = 2 ** (cb - 1)
    cmax = one - 1
    a_re, a_im = [], []
    for _ in range(channels * modes):
        while True:
            re, im = rng.int_in(-cmax, cmax), rng.int_in(-cmax, cmax)
            if (one // 2) ** 2 < re * re + im * im < (one * 97 // 100) ** 2:
                break
        a_re.append(re)
        a_im.append(im)
    draw = lambda n: [rng.int_in(-cmax, cmax) for _ in range(n)]
    return {"channels": channels, "modes": modes,
            "a_re": a_re, "a_im": a_im, "exp_a": cb - 1,
            "b_re": draw(channels * modes), "b_im": draw(channels * modes), "exp_b": exp_b,
            "c_re": draw(channels * modes), "c_im": draw(channels * modes), "exp_c": exp_c,
            "d": draw(channels), "exp_d": cb}


def dense_payload_bits(q):
    """Typical magnitude (bits) of a payload feeding a dense layer: its weighted sum must fit the accumulator."""
    return min(q["spike_bits"], q["accumulator_bits"] - q["weight_bits"]) - 2


def model(seed, d_input, h, d_state, n_classes, readout, q, hot, input_fraction=6):
    """A two-block model whose shifts keep every value about 4x inside its width, or with hot about at
    its width, so that every site saturates now and then (the spec's format choice, done by hand)."""
    rng = SplitMix64(seed)
    w, cb, acc_bits, p, s = q["weight_bits"], q["coefficient_bits"], q["accumulator_bits"], q["spike_bits"], q["state_bits"]
    gain = 2 if hot else 0  # bits by which every rescaling is shortened
    t_dense = dense_payload_bits(q)
    t_acc = t_dense + w - 1  # a dense accumulator: payloads of t_dense bits times weights of w − 1 bits
    modes = d_state // 2
    blocks = []
    f_sender = input_fraction
    for l in range(2):
        layer = dense(rng, h, d_input if l == 0 else h, w, acc_bits - 8)
        u_shift = t_acc - (p - 3) - gain  # accumulator to a u of about P − 3 bits
        u_fraction = layer["weight_fraction"] + f_sender - u_shift
        # state about u·2^(S−P) (B̄ gain 2^(S−P−3) over 1 − |Ā|), y about state·2^(P−S−1): both well inside.
        coefficients = s4d(rng, h, modes, cb, exp_b=cb - 1 + 3 + p - s - gain, exp_c=cb - 1 + s - p + 1 - gain)
        y_fraction = u_fraction + 1
        relu_shift = (p - 4) - t_dense - gain  # a fan-in sum of about P − 4 bits to a payload that fits the next layer
        blocks.append({"input": layer, "u_fraction": u_fraction, "s4d": coefficients,
                       "state_fraction": u_fraction - 1, "y_fraction": y_fraction, "relu_fraction": y_fraction - relu_shift})
        f_sender = y_fraction - relu_shift
    output_linear = dense(rng, h, h, w, acc_bits - 8)
    output_fraction = output_linear["weight_fraction"] + f_sender - (t_acc - t_dense - gain)
    decoder = dense(rng, n_classes, h, w, acc_bits - 8)
    f_acc = decoder["weight_fraction"] + output_fraction
    # Mean readout: up to 20 accumulators summed into S bits (hot: 2x too many).
    pool_shift = t_acc + 5 - (s - 2) - (1 if hot else 0)
    return {
        "model": {"d_input": d_input, "d_model": h, "d_state": d_state, "n_layers": 2,
                  "n_classes": n_classes, "flavour": "loihi", "prenorm": False, "readout": readout,
                  "discretization": "zoh"},
        "quant": q,
        "input_fraction": input_fraction,
        "blocks": blocks,
        "output_linear": output_linear,
        "output_fraction": output_fraction,
        "decoder": decoder,
        "logit_fraction": f_acc - pool_shift if readout == "mean" else f_acc,
    }


def quant_config(w, cb, s, p, acc, rounding, overflow):
    return {"weight_bits": w, "coefficient_bits": cb, "state_bits": s, "spike_bits": p, "accumulator_bits": acc,
            "rounding": rounding, "overflow": overflow, "headroom_bits": 1, "calibration_samples": 256}


def inputs(rng, length, d_input, fraction, q, big):
    """Dyadic inputs m / 2^(f+1): x·2^f = m/2, a rounding tie whenever m is odd. Their payloads are about
    as large as a payload feeding the encoder should be; with big, a quarter of them up to 2^P."""
    bits = dense_payload_bits(q)
    seq = []
    for _ in range(length):
        token = []
        for _ in range(d_input):
            m = rng.int_in(-2 ** (bits + 1), 2 ** (bits + 1))
            if big and rng.int_in(0, 3) == 0:
                m *= 2 ** (q["spike_bits"] - bits)
            x = m / 2 ** (fraction + 1)
            assert float32_exact(x), x
            token.append(x)
        seq.append(token)
    return seq


def float32_exact(x):
    return struct.unpack("<f", struct.pack("<f", x))[0] == x


CASES = [
    # name, seed, d_input, H, d_state, classes, readout, quant config, hot, sigma-delta, threshold, big inputs
    ("mean_nearest_saturate", 11, 1, 4, 4, 3, "mean",
     quant_config(8, 12, 16, 14, 14, "nearest", "saturate"), True, False, 0.0, True),
    ("last_floor_wrap", 22, 3, 3, 6, 4, "last",
     quant_config(6, 10, 12, 8, 16, "floor", "wrap"), True, False, 0.0, True),
    ("mean_toward_zero_sigma_delta", 33, 3, 5, 4, 4, "mean",
     quant_config(8, 16, 24, 24, 24, "toward_zero", "saturate"), False, True, 0.02, False),
    ("last_nearest_sigma_delta_wrap", 44, 1, 3, 6, 3, "last",
     quant_config(7, 14, 20, 16, 20, "nearest", "wrap"), False, True, 0.03, True),
]


def make(case):
    name, seed, d_input, h, d_state, classes, readout, quant, hot, sigma_delta, threshold, big = case
    m = model(seed, d_input, h, d_state, classes, readout, quant, hot)
    rng = SplitMix64(seed * 1000 + 1)
    # Calibration: the largest payload of each sender group over one long sequence of ordinary inputs.
    m["calibrated_max"] = {g: 0 for g, _ in graph(m)[0] if g != "classes"}
    calibration = Run(m, False, 0.0)
    for x in inputs(rng, 64, d_input, m["input_fraction"], quant, False):
        calibration.token(x)
        for g, v in calibration.payload_max().items():
            m["calibrated_max"][g] = max(m["calibrated_max"][g], v)
    sequences = []
    for length in (5, 12, 20):
        seq = inputs(rng, length, d_input, m["input_fraction"], quant, big)
        run = Run(m, sigma_delta, threshold)
        for x in seq:
            run.token(x)
        sequences.append({
            "inputs": seq,
            "z": run.z,
            "logits": run.logits(),
            "prediction": max(range(len(run.z)), key=lambda c: (run.z[c], -c)),
            "trace": run.trace,
            "tokens": run.tokens,
            "updates": run.updates,
            "messages": run.messages,
            "synops": run.synops,
            "saturations": run.saturations,
        })
        print("%-30s T=%2d saturations=%4d messages=%4d synops=%5d z=%s" % (
            name, length, sum(run.saturations.values()), sum(run.messages.values()), sum(run.synops.values()), run.z))
    m["sigma_delta"] = sigma_delta
    m["threshold"] = threshold
    m["sequences"] = sequences
    return {"name": name, **m}


def main():
    os.makedirs(OUT, exist_ok=True)
    for case in CASES:
        g = make(case)
        with open(os.path.join(OUT, g["name"] + ".json"), "w") as f:
            json.dump(g, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
