"""
Writes src/core/diffusion/dit/fixtures/dit_tiny_uncond.safetensors: a small unconditional DiT, written
here after facebookresearch/DiT models.py (PatchEmbed, TimestepEmbedder, DiTBlock with adaLN-Zero,
FinalLayer, fixed 2-D sin-cos pos_embed, unpatchify), evaluated in PyTorch (float64) on two images.

Differences from the official DiT, all on purpose: no y_embedder (unconditional, c = t_emb),
learn_sigma=False (out channels = in channels), and random non-zero weights everywhere (the official
initialize_weights zeroes adaLN and the final layer, which would make every block the identity).

Contents:
  weights.<official name>   every state_dict entry in PyTorch layout and state_dict order; F16 values (the
                            reference uses exactly these), except pos_embed which stays F32
  input.x                   [B, C, H, W] NCHW, float32
  input.t                   [B] the network's time input as the app passes it (t / 1000)
  output.eps                [B, C, H, W]
  activation.layer-i        [B, tokens, hidden] output of blocks[i] (the official hook)
  feature.layer-i           [B, hidden] its mean over tokens
Usage (Debian: apt-get install python3-torch):  /usr/bin/python3 scripts/reference/make_dit_fixture.py
"""
import json
import math
import sys

import numpy as np
import torch
from torch import nn

CONFIG = {
    "arch": "dit",
    "image_shape": [2, 16, 16],
    "patch_size": 4,
    "hidden_size": 32,
    "depth": 2,
    "num_heads": 2,
    "mlp_ratio": 4.0,
}


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class PatchEmbed(nn.Module):
    """timm PatchEmbed: Conv2d(kernel = stride = patch), flatten to [B, tokens, hidden] (row-major)."""

    def __init__(self, patch, in_chans, embed_dim):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch, stride=patch, bias=True)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class TimestepEmbedder(nn.Module):
    def __init__(self, hidden_size, frequency_embedding_size=256):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(frequency_embedding_size, hidden_size, bias=True),
            nn.SiLU(),
            nn.Linear(hidden_size, hidden_size, bias=True),
        )
        self.frequency_embedding_size = frequency_embedding_size

    @staticmethod
    def timestep_embedding(t, dim, max_period=10000):
        half = dim // 2
        freqs = torch.exp(-math.log(max_period) * torch.arange(start=0, end=half, dtype=torch.float64) / half)
        args = t[:, None].to(torch.float64) * freqs[None]
        embedding = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
        if dim % 2:
            embedding = torch.cat([embedding, torch.zeros_like(embedding[:, :1])], dim=-1)
        return embedding

    def forward(self, t):
        t_freq = self.timestep_embedding(t, self.frequency_embedding_size).to(self.mlp[0].weight.dtype)
        return self.mlp(t_freq)


class Attention(nn.Module):
    """timm Attention (qkv_bias=True, no qk-norm)."""

    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim**-0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU(approximate="tanh")
        self.fc2 = nn.Linear(hidden_features, in_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class DiTBlock(nn.Module):
    def __init__(self, hidden_size, num_heads, mlp_ratio=4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(hidden_size, num_heads=num_heads)
        self.norm2 = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6)
        self.mlp = Mlp(hidden_size, int(hidden_size * mlp_ratio))
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden_size, 6 * hidden_size, bias=True))

    def forward(self, x, c):
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = self.adaLN_modulation(c).chunk(6, dim=1)
        x = x + gate_msa.unsqueeze(1) * self.attn(modulate(self.norm1(x), shift_msa, scale_msa))
        x = x + gate_mlp.unsqueeze(1) * self.mlp(modulate(self.norm2(x), shift_mlp, scale_mlp))
        return x


class FinalLayer(nn.Module):
    def __init__(self, hidden_size, patch_size, out_channels):
        super().__init__()
        self.norm_final = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(hidden_size, patch_size * patch_size * out_channels, bias=True)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden_size, 2 * hidden_size, bias=True))

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)
        return self.linear(modulate(self.norm_final(x), shift, scale))


class DiT(nn.Module):
    def __init__(self, input_size, patch_size, in_channels, hidden_size, depth, num_heads, mlp_ratio):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = in_channels  # learn_sigma=False
        self.patch_size = patch_size
        self.x_embedder = PatchEmbed(patch_size, in_channels, hidden_size)
        self.t_embedder = TimestepEmbedder(hidden_size)
        num_patches = (input_size // patch_size) ** 2
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches, hidden_size), requires_grad=False)
        self.blocks = nn.ModuleList([DiTBlock(hidden_size, num_heads, mlp_ratio) for _ in range(depth)])
        self.final_layer = FinalLayer(hidden_size, patch_size, self.out_channels)
        pos = get_2d_sincos_pos_embed(hidden_size, int(num_patches**0.5))
        self.pos_embed.data.copy_(torch.from_numpy(pos).float().unsqueeze(0))

    def unpatchify(self, x):
        c = self.out_channels
        p = self.patch_size
        h = w = int(x.shape[1] ** 0.5)
        x = x.reshape(x.shape[0], h, w, p, p, c)
        x = torch.einsum("nhwpqc->nchpwq", x)
        return x.reshape(x.shape[0], c, h * p, h * p)

    def forward(self, x, t):
        x = self.x_embedder(x) + self.pos_embed
        c = self.t_embedder(t)  # unconditional: no y_embedder
        acts = {}
        for i, block in enumerate(self.blocks):
            x = block(x, c)
            acts[f"layer-{i}"] = x
        x = self.final_layer(x, c)
        return self.unpatchify(x), acts


def get_2d_sincos_pos_embed(embed_dim, grid_size):
    grid_h = np.arange(grid_size, dtype=np.float32)
    grid_w = np.arange(grid_size, dtype=np.float32)
    grid = np.meshgrid(grid_w, grid_h)  # here w goes first (the official quirk)
    grid = np.stack(grid, axis=0).reshape([2, 1, grid_size, grid_size])
    return get_2d_sincos_pos_embed_from_grid(embed_dim, grid)


def get_2d_sincos_pos_embed_from_grid(embed_dim, grid):
    assert embed_dim % 2 == 0
    emb_h = get_1d_sincos_pos_embed_from_grid(embed_dim // 2, grid[0])
    emb_w = get_1d_sincos_pos_embed_from_grid(embed_dim // 2, grid[1])
    return np.concatenate([emb_h, emb_w], axis=1)


def get_1d_sincos_pos_embed_from_grid(embed_dim, pos):
    assert embed_dim % 2 == 0
    omega = np.arange(embed_dim // 2, dtype=np.float64)
    omega /= embed_dim / 2.0
    omega = 1.0 / 10000**omega
    pos = pos.reshape(-1)
    out = np.einsum("m,d->md", pos, omega)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)


def main():
    torch.manual_seed(0)
    c, h, w = CONFIG["image_shape"]
    assert h == w
    net = DiT(h, CONFIG["patch_size"], c, CONFIG["hidden_size"], CONFIG["depth"], CONFIG["num_heads"],
              CONFIG["mlp_ratio"]).double().eval()
    gen = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name == "pos_embed":
                continue
            fan_in = int(np.prod(p.shape[1:])) if p.dim() > 1 else CONFIG["hidden_size"]
            v = (torch.rand(p.shape, generator=gen, dtype=torch.float64) * 2 - 1) * (1.5 / math.sqrt(fan_in))
            # Stored as F16: round now so the reference runs on exactly the stored values.
            p.copy_(v.to(torch.float16).to(torch.float64))

    x = torch.randn(2, c, h, w, generator=gen, dtype=torch.float32)
    t_in = torch.tensor([0.037, 0.64], dtype=torch.float32)  # the app's t / 1000
    t_raw = t_in * 1000  # float32, as our DiT computes it
    with torch.no_grad():
        eps, acts = net(x.double(), t_raw.double())

    tensors = {}
    for name, p in net.state_dict().items():
        tensors[f"weights.{name}"] = p.float() if name == "pos_embed" else p.half()
    tensors["input.x"] = x
    tensors["input.t"] = t_in
    tensors["output.eps"] = eps.float()
    for name, a in acts.items():
        tensors[f"activation.{name}"] = a.float()
        tensors[f"feature.{name}"] = a.mean(dim=1).float()
    metadata = {
        "config": json.dumps(CONFIG),
        "n_taps": str(len(acts)),
        "params": str(sum(p.numel() for p in net.parameters())),
        "reference": "scripts/reference/make_dit_fixture.py (DiT models.py, unconditional, learn_sigma=False), float64",
        "time_input": "input.t is t/1000; the reference DiT got t = input.t * 1000 (float32)",
    }
    out = sys.argv[1] if len(sys.argv) > 1 else "src/core/diffusion/dit/fixtures/dit_tiny_uncond.safetensors"
    write_safetensors(out, tensors, metadata)
    print("wrote", out, "eps norm", float(eps.norm()), "acts", [float(a.norm()) for a in acts.values()])


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        dtype = {torch.float32: ("F32", "<f4"), torch.float16: ("F16", "<f2")}[t.dtype]
        b = t.contiguous().numpy().astype(dtype[1]).tobytes()
        header[name] = {"dtype": dtype[0], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
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
