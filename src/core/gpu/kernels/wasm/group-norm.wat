;; GroupNorm (+ SiLU) passes over one sample's [pixels, channels] slice of NHWC data, four channels per SIMD
;; vector (channels % 4 == 0; pixels >= 1). The per-channel vectors ($mean, $scale, ...) are f32 arrays of
;; `channels`, 16-byte aligned like every other address. The reductions here stop at per-channel sums
;; (f32, over at most a few thousand pixels); `group-norm-wasm.ts` folds them into group statistics in f64, so
;; any channels-per-group works.
(module
  (memory (export "memory") 1)

  ;; σ(v) = 1 / (1 + e^-v) over $vectors four-float vectors at $ptr, in place; v·σ(v) (SiLU) when $timesSelf
  ;; is not 0. e^-v is Cephes' expf (-v = n·ln 2 + r with ln 2 in two parts, a degree-6 polynomial in r, 2^n
  ;; built in the exponent bits; about 1 ulp), with -v clamped to [-87.3, 88.3] so 2^n stays normal. Written
  ;; out in the loop, not called: a call in a loop makes V8 spill every vector register.
  (func (export "sigmoidInPlace") (param $ptr i32) (param $vectors i32) (param $timesSelf i32)
    (local $end i32) (local $v v128) (local $x v128) (local $n v128) (local $r v128) (local $p v128) (local $s v128)
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $vectors) (i32.const 4))))
    (loop $vector
      (local.set $v (v128.load (local.get $ptr)))
      (local.set $x
        (f32x4.max
          (f32x4.min (f32x4.neg (local.get $v)) (v128.const f32x4 88.3 88.3 88.3 88.3))
          (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
      (local.set $n
        (f32x4.nearest
          (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
      (local.set $r
        (f32x4.sub
          (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
          (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
      (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
      ;; e^x = (p·r² + r + 1)·2^n
      (local.set $p
        (f32x4.mul
          (f32x4.add
            (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
            (v128.const f32x4 1 1 1 1))
          (i32x4.shl
            (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127))
            (i32.const 23))))
      (local.set $s (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $p))))
      (if (local.get $timesSelf) (then (local.set $s (f32x4.mul (local.get $s) (local.get $v)))))
      (v128.store (local.get $ptr) (local.get $s))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
      (br_if $vector (i32.lt_u (local.get $ptr) (local.get $end)))))

  ;; $acc[c] = Σ_p x[p, c].
  (func (export "channelSums") (param $x i32) (param $pixels i32) (param $channels i32) (param $acc i32)
    (local $rowBytes i32) (local $end i32) (local $k i32)
    (local.set $rowBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $k (i32.const 0))
    (loop $zero
      (v128.store (i32.add (local.get $acc) (local.get $k)) (v128.const i32x4 0 0 0 0))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br_if $zero (i32.lt_u (local.get $k) (local.get $rowBytes))))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $pixels) (local.get $rowBytes))))
    (loop $pixel
      (local.set $k (i32.const 0))
      (loop $vector
        (v128.store (i32.add (local.get $acc) (local.get $k))
          (f32x4.add
            (v128.load (i32.add (local.get $acc) (local.get $k)))
            (v128.load (i32.add (local.get $x) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $k) (local.get $rowBytes))))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (br_if $pixel (i32.lt_u (local.get $x) (local.get $end)))))

  ;; $acc[c] = Σ_p (x[p, c] − mean[c])²: the second pass of a two-pass variance.
  (func (export "channelSquaredDeviations")
    (param $x i32) (param $pixels i32) (param $channels i32) (param $mean i32) (param $acc i32)
    (local $rowBytes i32) (local $end i32) (local $k i32) (local $d v128)
    (local.set $rowBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $k (i32.const 0))
    (loop $zero
      (v128.store (i32.add (local.get $acc) (local.get $k)) (v128.const i32x4 0 0 0 0))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br_if $zero (i32.lt_u (local.get $k) (local.get $rowBytes))))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $pixels) (local.get $rowBytes))))
    (loop $pixel
      (local.set $k (i32.const 0))
      (loop $vector
        (local.set $d
          (f32x4.sub
            (v128.load (i32.add (local.get $x) (local.get $k)))
            (v128.load (i32.add (local.get $mean) (local.get $k)))))
        (v128.store (i32.add (local.get $acc) (local.get $k))
          (f32x4.add
            (v128.load (i32.add (local.get $acc) (local.get $k)))
            (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $k) (local.get $rowBytes))))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (br_if $pixel (i32.lt_u (local.get $x) (local.get $end)))))

  ;; out[p, c] = (x[p, c] − center[c])·scale[c] + shift[c]: the normalisation and affine transform (centring
  ;; first keeps the digits that x·scale − mean·scale would cancel). SiLU, where fused, is `sigmoidInPlace`.
  (func (export "scaleShift")
    (param $x i32) (param $out i32) (param $pixels i32) (param $channels i32) (param $center i32)
    (param $scale i32) (param $shift i32)
    (local $rowBytes i32) (local $end i32) (local $k i32)
    (local.set $rowBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $pixels) (local.get $rowBytes))))
    (loop $pixel
      (local.set $k (i32.const 0))
      (loop $vector
        (v128.store (i32.add (local.get $out) (local.get $k))
          (f32x4.add
            (f32x4.mul
              (f32x4.sub
                (v128.load (i32.add (local.get $x) (local.get $k)))
                (v128.load (i32.add (local.get $center) (local.get $k))))
              (v128.load (i32.add (local.get $scale) (local.get $k))))
            (v128.load (i32.add (local.get $shift) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $k) (local.get $rowBytes))))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
      (br_if $pixel (i32.lt_u (local.get $x) (local.get $end)))))

  ;; The backward pass's first sweep. With x̂ = (x − mean[c])·invStd[c] and u = x̂·gamma[c] + beta[c]:
  ;; dU = dy, times σ(u)·(1 + u·(1 − σ(u))) when $silu is not 0 (SiLU's derivative; $du then holds σ(u) on
  ;; entry, from `scaleShift` and `sigmoidInPlace`); stores dU at $du and accumulates $sumDu[c] = Σ_p dU and
  ;; $sumDuXhat[c] = Σ_p dU·x̂ (both zeroed here).
  (func (export "backwardSums")
    (param $x i32) (param $dy i32) (param $du i32) (param $pixels i32) (param $channels i32)
    (param $mean i32) (param $invStd i32) (param $gamma i32) (param $beta i32) (param $silu i32)
    (param $sumDu i32) (param $sumDuXhat i32)
    (local $rowBytes i32) (local $end i32) (local $k i32) (local $xHat v128) (local $u v128) (local $s v128)
    (local $g v128)
    (local.set $rowBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $k (i32.const 0))
    (loop $zero
      (v128.store (i32.add (local.get $sumDu) (local.get $k)) (v128.const i32x4 0 0 0 0))
      (v128.store (i32.add (local.get $sumDuXhat) (local.get $k)) (v128.const i32x4 0 0 0 0))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br_if $zero (i32.lt_u (local.get $k) (local.get $rowBytes))))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $pixels) (local.get $rowBytes))))
    (loop $pixel
      (local.set $k (i32.const 0))
      (loop $vector
        (local.set $xHat
          (f32x4.mul
            (f32x4.sub
              (v128.load (i32.add (local.get $x) (local.get $k)))
              (v128.load (i32.add (local.get $mean) (local.get $k))))
            (v128.load (i32.add (local.get $invStd) (local.get $k)))))
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $k))))
        (if (local.get $silu)
          (then
            (local.set $u
              (f32x4.add
                (f32x4.mul (local.get $xHat) (v128.load (i32.add (local.get $gamma) (local.get $k))))
                (v128.load (i32.add (local.get $beta) (local.get $k)))))
            (local.set $s (v128.load (i32.add (local.get $du) (local.get $k))))
            (local.set $g
              (f32x4.mul
                (local.get $g)
                (f32x4.mul
                  (local.get $s)
                  (f32x4.add
                    (v128.const f32x4 1 1 1 1)
                    (f32x4.mul (local.get $u) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $s)))))))))
        (v128.store (i32.add (local.get $du) (local.get $k)) (local.get $g))
        (v128.store (i32.add (local.get $sumDu) (local.get $k))
          (f32x4.add (v128.load (i32.add (local.get $sumDu) (local.get $k))) (local.get $g)))
        (v128.store (i32.add (local.get $sumDuXhat) (local.get $k))
          (f32x4.add
            (v128.load (i32.add (local.get $sumDuXhat) (local.get $k)))
            (f32x4.mul (local.get $g) (local.get $xHat))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $k) (local.get $rowBytes))))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
      (local.set $du (i32.add (local.get $du) (local.get $rowBytes)))
      (br_if $pixel (i32.lt_u (local.get $x) (local.get $end)))))

  ;; out[p, c] = ca[c]·a[p, c] + cb[c]·(b[p, c] − cm[c]) + cd[c]: the input gradient from dU (a) and x (b).
  (func (export "combine")
    (param $a i32) (param $b i32) (param $out i32) (param $pixels i32) (param $channels i32)
    (param $ca i32) (param $cb i32) (param $cm i32) (param $cd i32)
    (local $rowBytes i32) (local $end i32) (local $k i32)
    (local.set $rowBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $end (i32.add (local.get $a) (i32.mul (local.get $pixels) (local.get $rowBytes))))
    (loop $pixel
      (local.set $k (i32.const 0))
      (loop $vector
        (v128.store (i32.add (local.get $out) (local.get $k))
          (f32x4.add
            (f32x4.add
              (f32x4.mul
                (v128.load (i32.add (local.get $ca) (local.get $k)))
                (v128.load (i32.add (local.get $a) (local.get $k))))
              (f32x4.mul
                (v128.load (i32.add (local.get $cb) (local.get $k)))
                (f32x4.sub
                  (v128.load (i32.add (local.get $b) (local.get $k)))
                  (v128.load (i32.add (local.get $cm) (local.get $k))))))
            (v128.load (i32.add (local.get $cd) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br_if $vector (i32.lt_u (local.get $k) (local.get $rowBytes))))
      (local.set $a (i32.add (local.get $a) (local.get $rowBytes)))
      (local.set $b (i32.add (local.get $b) (local.get $rowBytes)))
      (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
      (br_if $pixel (i32.lt_u (local.get $a) (local.get $end)))))
)
