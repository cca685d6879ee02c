"""Expected values for train/src/test/java/dev/s4d/train/AdamWTest.java, from PyTorch itself.

Two parameter groups as the trainer uses them (lr 1e-2 with weight decay 1e-2, lr 1e-3 without),
four steps with fixed gradients and a learning-rate factor per step (as a schedule would set it),
then torch.nn.utils.clip_grad_norm_ on fixed gradients. Prints Java array literals of float32
values (9 significant digits round-trip a float). Run with any PyTorch:
    python3 tools/adamw/adamw_reference.py
"""
import torch

torch.set_printoptions(precision=9)

a = torch.nn.Parameter(torch.tensor([0.5, -1.25, 2.0], dtype=torch.float32))
b = torch.nn.Parameter(torch.tensor([[0.1, -0.3]], dtype=torch.float32))
base = [1e-2, 1e-3]
opt = torch.optim.AdamW([
    {"params": [a], "lr": base[0], "weight_decay": 1e-2},
    {"params": [b], "lr": base[1], "weight_decay": 0.0},
], betas=(0.9, 0.999), eps=1e-8)

grads_a = [[0.3, -0.2, 1.5], [0.1, 0.4, -2.0], [-0.7, 0.0, 0.25], [1e-4, -3.0, 0.5]]
grads_b = [[[2.0, -0.01]], [[-1.0, 0.02]], [[0.5, 0.0]], [[0.0, 1e3]]]
factors = [1.0, 0.75, 0.5, 0.25]


def java(values):
    return "{" + ", ".join("%.9ef" % v for v in values) + "}"


for step in range(4):
    for group, lr in zip(opt.param_groups, base):
        group["lr"] = lr * factors[step]
    a.grad = torch.tensor(grads_a[step], dtype=torch.float32)
    b.grad = torch.tensor(grads_b[step], dtype=torch.float32)
    opt.step()
    print("a after step %d: %s" % (step + 1, java(a.detach().flatten().tolist())))
    print("b after step %d: %s" % (step + 1, java(b.detach().flatten().tolist())))

print("exp_avg a:    " + java(opt.state[a]["exp_avg"].flatten().tolist()))
print("exp_avg_sq a: " + java(opt.state[a]["exp_avg_sq"].flatten().tolist()))
print("exp_avg b:    " + java(opt.state[b]["exp_avg"].flatten().tolist()))
print("exp_avg_sq b: " + java(opt.state[b]["exp_avg_sq"].flatten().tolist()))

x = torch.nn.Parameter(torch.zeros(3))
y = torch.nn.Parameter(torch.zeros(1, 2))
x.grad = torch.tensor([3.0, -4.0, 0.5])
y.grad = torch.tensor([[12.0, 0.0]])
norm = torch.nn.utils.clip_grad_norm_([x, y], max_norm=1.0)
print("clip norm: %.9e" % norm.item())
print("clipped x: " + java(x.grad.tolist()))
print("clipped y: " + java(y.grad.flatten().tolist()))
