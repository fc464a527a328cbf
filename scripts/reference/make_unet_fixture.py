"""
Writes src/core/diffusion/unet/fixtures/unet_resupdown_multihead.safetensors: the official DDAE UNet
(FutureXiang/ddae model/unet.py + model/block.py, the version with attn_channels_per_head) evaluated in
PyTorch on a small config the golden file does not cover: BigGAN residual up/down-sampling, several heads
with C not a multiple of d_k (heads = floor(C / d_k)), augment_dim > 0, two image channels, a non-square
image, a channel count that shrinks again at the last resolution.

Weights are not stored: every tensor is filled, in PyTorch layout order, from an integer hash that
src/core/diffusion/unet/hash-weights.fixtures.ts reproduces bit for bit. Usage (Debian: apt-get install python3-torch):
    python3 scripts/reference/make_unet_fixture.py /path/to/ddae-checkout
"""
import json
import math
import sys

import numpy as np
import torch

sys.path.insert(0, sys.argv[1])
from model.unet import UNet  # noqa: E402  (the official code, from the checkout given)

CONFIG = {
    "image_shape": [2, 8, 12],
    "n_channels": 32,
    "ch_mults": [1, 2, 1],
    "is_attn": [True, False, True],
    "attn_channels_per_head": 24,
    "n_blocks": 1,
    "use_res_for_updown": True,
    "dropout": 0.0,
    "augment_dim": 3,
}
M = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M


def hash_uniform(tensor_index, i):
    """Uniform in [-1, 1) from two integers; the same 32-bit operations as hash-weights.fixtures.ts."""
    h = imul((i ^ imul(tensor_index + 1, 0x9E3779B1)) & M, 0x85EBCA6B)
    h ^= h >> 13
    h = imul(h, 0xC2B2AE35)
    h ^= h >> 16
    return h / 2**32 * 2 - 1


def fill(tensor_index, name, shape):
    n = int(np.prod(shape))
    u = np.array([hash_uniform(tensor_index, i) for i in range(n)], dtype=np.float64)
    if len(shape) == 1 and ("norm" in name):
        # GroupNorm affine, perturbed from (1, 0) so that it matters
        v = (1 + 0.25 * u) if name.endswith(".weight") else 0.25 * u
    else:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else None
        v = u / math.sqrt(fan_in) if fan_in else u * 0.2
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def main():
    torch.manual_seed(0)
    net = UNet(**CONFIG).eval()
    state = net.state_dict()
    for idx, (name, t) in enumerate(state.items()):
        state[name] = fill(idx, name, list(t.shape))
    net.load_state_dict(state)

    x = torch.from_numpy(np.array(
        [hash_uniform(100_000, i) for i in range(2 * 2 * 8 * 12)], dtype=np.float32).reshape(2, 2, 8, 12))
    t = torch.tensor([0.003, 0.7], dtype=torch.float32)
    with torch.no_grad():
        eps, acts = net(x, t, ret_activation=True)

    tensors = {"input.x": x, "input.t": t, "output.eps": eps}
    for name, a in acts.items():
        tensors[f"activation.{name}"] = a
        tensors[f"feature.{name}"] = a.mean(dim=(2, 3))
    metadata = {
        "config": json.dumps(CONFIG),
        "n_taps": str(len(acts)),
        "params": str(sum(p.numel() for p in net.parameters())),
        "weights": "hash-weights.fixtures.ts hashWeights(): tensor i of the state_dict from hash_uniform(i, flat index)",
    }
    write_safetensors(sys.argv[2] if len(sys.argv) > 2 else
                      "src/core/diffusion/unet/fixtures/unet_resupdown_multihead.safetensors", tensors, metadata)


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        b = t.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little"))
        f.write(h)
        for b in blobs:
            f.write(b)


if __name__ == "__main__":
    main()
