"""
Writes src/core/reid/fixtures/reranking_small.safetensors: k-reciprocal re-ranking (Zhong et al., CVPR 2017)
in the form huanghoujing's AlignedReID reproduction uses, re_ranking(q_g_dist, q_q_dist, g_g_dist, k1, k2,
lambda), evaluated in numpy float32 on small distance matrices. This is an independent dense transcription of
the algorithm (the TypeScript version is sparse and tiled), kept short so it can be read against the paper:

  1. original = the (Q+G)² matrix [[q_q, q_g], [q_g^T, g_g]], squared, each column divided by its maximum,
     then transposed (row i holds column i).
  2. R(i, k) = the k-reciprocal set: the k+1 nearest of i (itself included) that have i among their own k+1
     nearest. R*(i) = R(i, k1), plus R(c, round(k1/2)) of each c in it that shares more than 2/3 of its
     members with R(i, k1).
  3. V[i, j] = exp(-original[i, j]) over j in R*(i), normalised to sum 1; then, if k2 > 1, each row is replaced
     by the mean of the rows of its k2 nearest (local query expansion).
  4. jaccard[i, j] = 1 - s / (2 - s) with s = sum_c min(V[i, c], V[j, c]).
  5. final = (1 - lambda) * jaccard + lambda * original, the query rows and gallery columns.

Ties in the nearest-neighbour order are broken by index (a stable sort); the random data has none besides
the zero self-distances. Cases: (k1, k2, lambda) = (20, 6, 0.3) the reproductions' values, (6, 3, 0.5), and
(5, 1, 0.2) (k2 = 1 skips the expansion; round(2.5) = 2 as numpy rounds half to even).

Contents: q_g [Q, G], q_q [Q, Q], g_g [G, G] (float32 Euclidean distances between clustered random
features), final.<k1>_<k2>_<lambda> [Q, G].
Usage (Debian: apt-get install python3-numpy):  /usr/bin/python3 scripts/reference/make_reranking_fixture.py
"""
import json
import sys

import numpy as np

CASES = [(20, 6, 0.3), (6, 3, 0.5), (5, 1, 0.2)]


def rerank(q_g, q_q, g_g, k1, k2, lam):
    nq = q_g.shape[0]
    full = np.block([[q_q, q_g], [q_g.T, g_g]]).astype(np.float32)
    squared = np.square(full).astype(np.float32)
    original = (squared / squared.max(axis=0)).T.astype(np.float32)
    n = original.shape[0]
    rank = np.argsort(original, axis=1, kind="stable")

    def reciprocal(i, k):
        return np.array([c for c in rank[i, : k + 1] if i in rank[c, : k + 1]], dtype=np.int64)

    half = int(np.around(k1 / 2.0))
    V = np.zeros((n, n), np.float32)
    for i in range(n):
        r = reciprocal(i, k1)
        members = list(r)
        for c in r:
            rc = reciprocal(c, half)
            if len(np.intersect1d(rc, r)) > 2.0 / 3.0 * len(rc):
                members.extend(rc)
        idx = np.unique(np.array(members, dtype=np.int64))
        w = np.exp(-original[i, idx])
        V[i, idx] = w / w.sum()
    if k2 != 1:
        V = np.stack([V[rank[i, :k2]].mean(axis=0) for i in range(n)]).astype(np.float32)
    jaccard = np.empty((nq, n), np.float32)
    for i in range(nq):
        s = np.minimum(V[i][None, :], V).sum(axis=1, dtype=np.float32)
        jaccard[i] = 1 - s / (2 - s)
    final = jaccard * np.float32(1 - lam) + original[:nq] * np.float32(lam)
    return final[:, nq:].astype(np.float32)


def euclidean(a, b):
    return np.sqrt(np.square(a[:, None, :] - b[None, :, :]).sum(-1)).astype(np.float32)


def main():
    rng = np.random.default_rng(2017)
    ids, dims = 8, 16
    centres = rng.normal(size=(ids, dims))
    q_ids = rng.integers(0, ids, size=6)
    g_ids = rng.integers(0, ids, size=30)
    q = (centres[q_ids] + 0.6 * rng.normal(size=(6, dims))).astype(np.float32)
    g = (centres[g_ids] + 0.6 * rng.normal(size=(30, dims))).astype(np.float32)
    q_g, q_q, g_g = euclidean(q, g), euclidean(q, q), euclidean(g, g)
    tensors = {"q_g": q_g, "q_q": q_q, "g_g": g_g}
    for k1, k2, lam in CASES:
        tensors[f"final.{k1}_{k2}_{lam}"] = rerank(q_g, q_q, g_g, k1, k2, lam)
    out = sys.argv[1] if len(sys.argv) > 1 else "src/core/reid/fixtures/reranking_small.safetensors"
    metadata = {"cases": json.dumps(CASES), "query_ids": json.dumps(q_ids.tolist()), "gallery_ids": json.dumps(g_ids.tolist())}
    write_safetensors(out, tensors, metadata)


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        b = np.ascontiguousarray(t, dtype="<f4").tobytes()
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
