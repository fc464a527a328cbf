;; AlignedReID local distances, four gallery images per SIMD vector: from a Gram tile computed elsewhere
;; (`localDistancesFromGram`) or with the stripe dot products computed here too (`fusedLocalDistances`, the
;; fast path: see its comment for the packed layouts). Both end in `$pathOf4`: the stripe distances and the
;; shortest path of one query against four gallery images.
;;
;; For the Gram path the caller lays the tile out as [qt·h rows (query q, stripe i)] × [h·gt columns (stripe j, gallery g)],
;; so that cell (i, j) of gallery images g..g+3 is one aligned 16-byte load, and the shortest path runs on
;; four pairs at once with no shuffles. The squared gallery norms are laid out the same way ([h, gt]).
;; Where ‖f‖² + ‖g‖² − 2f·g loses its digits to cancellation (below 1/16 of ‖f‖² + ‖g‖², or not a
;; number after an overflow), the four cells are recomputed from the features as Σ(f − g)².
;; The stripe distance tanh(x/2) is Eigen's float rational approximation (as `fastStripeDistance` in JS).
(module
  (memory (export "memory") 1)

  ;; Σ_k (a[k] − b[k])² over c floats at byte addresses a and b.
  (func $squaredDistance (param $a i32) (param $b i32) (param $c i32) (result f32)
    (local $k i32) (local $acc v128) (local $diff v128) (local $sum f32) (local $x f32)
    (block $vectorDone
      (loop $vector
        (br_if $vectorDone (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $c)))
        (local.set $diff
          (f32x4.sub
            (v128.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
            (v128.load (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 2))))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $diff) (local.get $diff))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $vector)))
    (local.set $sum
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_s (local.get $k) (local.get $c)))
        (local.set $x
          (f32.sub
            (f32.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
            (f32.load (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 2))))))
        (local.set $sum (f32.add (local.get $sum) (f32.mul (local.get $x) (local.get $x))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $tail)))
    (local.get $sum))

  ;; The shortest path of one query image against four gallery images, from their stripe dot products:
  ;; cell (i, j) of the four pairs is the vector at $cell0 + i·$rowStride + j·$colStride; squared norms of the
  ;; query's stripes at $qn ([h]) and of the gallery's as vectors at $gn + j·$gnStride; features (for the
  ;; recompute) at $qf ([h, c]) and $gf ([4, h, c]). $d: 16·h² bytes for the stripe distances (may be the
  ;; cells themselves when they are laid out [h, h, 4]); $row: 16·h bytes. Stores the aligned distances
  ;; (four lanes) at $outAligned and the unaligned ones at $outUnaligned; returns how many cells were
  ;; recomputed. Passes over simple loops with no calls in them (a call makes V8 spill every vector
  ;; register): squared distances, the rare recompute, stripe distances, then the shortest path.
  (func $pathOf4
    (param $cell0 i32) (param $rowStride i32) (param $colStride i32) (param $qn i32) (param $gn i32)
    (param $gnStride i32) (param $qf i32) (param $gf i32) (param $h i32) (param $c i32) (param $d i32)
    (param $row i32) (param $outAligned i32) (param $outUnaligned i32)
    (result i32)
    (local $i i32) (local $j i32) (local $lane i32) (local $cell i32) (local $gnp i32) (local $dp i32)
    (local $dEnd i32) (local $rowp i32) (local $featureBytes i32) (local $imageBytes i32)
    (local $queryStripe i32) (local $recomputed i32)
    (local $qnv v128) (local $ns v128) (local $gramCell v128) (local $sq v128) (local $bad v128) (local $anyBad v128)
    (local $y v128) (local $yc v128) (local $y2 v128) (local $z2 v128) (local $z4 v128)
    (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $dist v128)
    (local $left v128) (local $diag v128)
    (local $half v128) (local $clampY v128) (local $n0 v128) (local $n1 v128) (local $n2 v128) (local $n3 v128) (local $n4 v128) (local $n5 v128)
    (local $n6 v128) (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128) (local $nine v128) (local $one v128)
    (local.set $featureBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $imageBytes (i32.mul (local.get $h) (local.get $featureBytes)))
    (local.set $dEnd (i32.add (local.get $d) (i32.shl (i32.mul (local.get $h) (local.get $h)) (i32.const 4))))
    ;; Pass 1: sq[i][j] = ‖f‖² + ‖g‖² − 2f·g into $d, noting cells that lose their digits to cancellation
    ;; (below 1/16 of ‖f‖² + ‖g‖², or not a number after an overflow).
    (local.set $dp (local.get $d))
    (local.set $i (i32.const 0))
    (loop $iSquared
      (local.set $qnv (v128.load32_splat (i32.add (local.get $qn) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $cell (i32.add (local.get $cell0) (i32.mul (local.get $i) (local.get $rowStride))))
      (local.set $gnp (local.get $gn))
      (local.set $j (i32.const 0))
      (loop $jSquared
        (local.set $ns (f32x4.add (local.get $qnv) (v128.load (local.get $gnp))))
        (local.set $gramCell (v128.load (local.get $cell)))
        (local.set $sq (f32x4.sub (local.get $ns) (f32x4.add (local.get $gramCell) (local.get $gramCell))))
        (local.set $anyBad
          (v128.or (local.get $anyBad)
            (v128.not (f32x4.ge (local.get $sq) (f32x4.mul (local.get $ns) (v128.const f32x4 0.0625 0.0625 0.0625 0.0625))))))
        (v128.store (local.get $dp) (local.get $sq))
        (local.set $dp (i32.add (local.get $dp) (i32.const 16)))
        (local.set $cell (i32.add (local.get $cell) (local.get $colStride)))
        (local.set $gnp (i32.add (local.get $gnp) (local.get $gnStride)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $jSquared (i32.lt_s (local.get $j) (local.get $h))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $iSquared (i32.lt_s (local.get $i) (local.get $h))))
    ;; Pass 1b (rare): the noted cells recomputed from the features as Σ(f − g)², one lane at a time.
    (if (v128.any_true (local.get $anyBad))
      (then
        (local.set $dp (local.get $d))
        (local.set $i (i32.const 0))
        (loop $iFix
          (local.set $qnv (v128.load32_splat (i32.add (local.get $qn) (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $queryStripe (i32.add (local.get $qf) (i32.mul (local.get $i) (local.get $featureBytes))))
          (local.set $gnp (local.get $gn))
          (local.set $j (i32.const 0))
          (loop $jFix
            (local.set $ns (f32x4.add (local.get $qnv) (v128.load (local.get $gnp))))
            (local.set $bad
              (v128.not
                (f32x4.ge (v128.load (local.get $dp)) (f32x4.mul (local.get $ns) (v128.const f32x4 0.0625 0.0625 0.0625 0.0625)))))
            (if (v128.any_true (local.get $bad))
              (then
                (local.set $lane (i32.const 0))
                (loop $laneFix
                  (f32.store (i32.add (local.get $dp) (i32.shl (local.get $lane) (i32.const 2)))
                    (call $squaredDistance
                      (local.get $queryStripe)
                      (i32.add (local.get $gf)
                        (i32.add (i32.mul (local.get $lane) (local.get $imageBytes))
                          (i32.mul (local.get $j) (local.get $featureBytes))))
                      (local.get $c)))
                  (local.set $lane (i32.add (local.get $lane) (i32.const 1)))
                  (br_if $laneFix (i32.lt_u (local.get $lane) (i32.const 4))))
                (local.set $recomputed (i32.add (local.get $recomputed) (i32.const 4)))))
            (local.set $dp (i32.add (local.get $dp) (i32.const 16)))
            (local.set $gnp (i32.add (local.get $gnp) (local.get $gnStride)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $jFix (i32.lt_s (local.get $j) (local.get $h))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $iFix (i32.lt_s (local.get $i) (local.get $h))))))
    ;; Pass 1c: d = tanh(x / 2), x = √sq, in place; exactly 1 from x/2 = 9 (float32 tanh rounds to 1 there).
    ;; Eigen's float rational approximation of tanh by Estrin's scheme (z2 = y⁴, z4 = y⁸), in multiply-adds.
    ;; The constants live in locals because V8 rebuilds a v128.const at every use.
    (local.set $half (v128.const f32x4 0.5 0.5 0.5 0.5))
    (local.set $clampY (v128.const f32x4 7.90531110763549805 7.90531110763549805 7.90531110763549805 7.90531110763549805))
    (local.set $n0 (v128.const f32x4 4.89352455891786e-3 4.89352455891786e-3 4.89352455891786e-3 4.89352455891786e-3))
    (local.set $n1 (v128.const f32x4 6.37261928875436e-4 6.37261928875436e-4 6.37261928875436e-4 6.37261928875436e-4))
    (local.set $n2 (v128.const f32x4 1.48572235717979e-5 1.48572235717979e-5 1.48572235717979e-5 1.48572235717979e-5))
    (local.set $n3 (v128.const f32x4 5.12229709037114e-8 5.12229709037114e-8 5.12229709037114e-8 5.12229709037114e-8))
    (local.set $n4 (v128.const f32x4 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11))
    (local.set $n5 (v128.const f32x4 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13))
    (local.set $n6 (v128.const f32x4 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16))
    (local.set $d0 (v128.const f32x4 4.89352518554385e-3 4.89352518554385e-3 4.89352518554385e-3 4.89352518554385e-3))
    (local.set $d1 (v128.const f32x4 2.268434632439e-3 2.268434632439e-3 2.268434632439e-3 2.268434632439e-3))
    (local.set $d2 (v128.const f32x4 1.18534705686654e-4 1.18534705686654e-4 1.18534705686654e-4 1.18534705686654e-4))
    (local.set $d3 (v128.const f32x4 1.19825839466702e-6 1.19825839466702e-6 1.19825839466702e-6 1.19825839466702e-6))
    (local.set $nine (v128.const f32x4 9 9 9 9))
    (local.set $one (v128.const f32x4 1 1 1 1))
    (local.set $dp (local.get $d))
    (loop $distance
      (local.set $y
        (f32x4.mul (f32x4.sqrt (f32x4.pmax (v128.load (local.get $dp)) (v128.const f32x4 0 0 0 0))) (local.get $half)))
      (local.set $yc (f32x4.pmin (local.get $y) (local.get $clampY)))
      (local.set $y2 (f32x4.mul (local.get $yc) (local.get $yc)))
      (local.set $z2 (f32x4.mul (local.get $y2) (local.get $y2)))
      (local.set $z4 (f32x4.mul (local.get $z2) (local.get $z2)))
      ;; numerator: yc · ((n0 + n1·y²) + y⁴·(n2 + n3·y²) + y⁸·((n4 + n5·y²) + y⁴·n6))
      (local.set $t1 (f32x4.relaxed_madd (local.get $y2) (local.get $n1) (local.get $n0)))
      (local.set $t2 (f32x4.relaxed_madd (local.get $y2) (local.get $n3) (local.get $n2)))
      (local.set $t3 (f32x4.relaxed_madd (local.get $y2) (local.get $n5) (local.get $n4)))
      (local.set $t3 (f32x4.relaxed_madd (local.get $z2) (local.get $n6) (local.get $t3)))
      (local.set $t1 (f32x4.relaxed_madd (local.get $z2) (local.get $t2) (local.get $t1)))
      (local.set $t1 (f32x4.relaxed_madd (local.get $z4) (local.get $t3) (local.get $t1)))
      ;; denominator: (d0 + d1·y²) + y⁴·(d2 + d3·y²)
      (local.set $t2 (f32x4.relaxed_madd (local.get $y2) (local.get $d1) (local.get $d0)))
      (local.set $t3 (f32x4.relaxed_madd (local.get $y2) (local.get $d3) (local.get $d2)))
      (local.set $t2 (f32x4.relaxed_madd (local.get $z2) (local.get $t3) (local.get $t2)))
      (local.set $dist (f32x4.div (f32x4.mul (local.get $yc) (local.get $t1)) (local.get $t2)))
      (v128.store (local.get $dp)
        (v128.bitselect (local.get $one) (local.get $dist) (f32x4.ge (local.get $y) (local.get $nine))))
      (local.set $dp (i32.add (local.get $dp) (i32.const 16)))
      (br_if $distance (i32.lt_u (local.get $dp) (local.get $dEnd))))
    ;; Pass 2: S[i][j] = min(S[i−1][j], S[i][j−1]) + d[i][j], S = +inf above the first row and left of the
    ;; first column except S[0][0] = d[0][0]; the unaligned distance sums the diagonal.
    (local.set $rowp (local.get $row))
    (local.set $j (i32.const 0))
    (loop $fill
      (v128.store (local.get $rowp) (f32x4.splat (f32.const inf)))
      (local.set $rowp (i32.add (local.get $rowp) (i32.const 16)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br_if $fill (i32.lt_s (local.get $j) (local.get $h))))
    (local.set $dp (local.get $d))
    (local.set $i (i32.const 0))
    (loop $iPath
      (local.set $left (select (v128.const f32x4 0 0 0 0) (f32x4.splat (f32.const inf)) (i32.eqz (local.get $i))))
      (local.set $diag
        (f32x4.add (local.get $diag) (v128.load (i32.add (local.get $dp) (i32.shl (local.get $i) (i32.const 4))))))
      (local.set $rowp (local.get $row))
      (local.set $j (i32.const 0))
      (loop $jPath
        (local.set $left
          (f32x4.add (f32x4.pmin (v128.load (local.get $rowp)) (local.get $left)) (v128.load (local.get $dp))))
        (v128.store (local.get $rowp) (local.get $left))
        (local.set $dp (i32.add (local.get $dp) (i32.const 16)))
        (local.set $rowp (i32.add (local.get $rowp) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $jPath (i32.lt_s (local.get $j) (local.get $h))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $iPath (i32.lt_s (local.get $i) (local.get $h))))
    (v128.store (local.get $outAligned) (local.get $left))
    (v128.store (local.get $outUnaligned) (local.get $diag))
    (local.get $recomputed))

  ;; Writes aligned distances [qt, gt] at $out and unaligned ones right after them, from the Gram tile
  ;; [qt·h, h·gt] at $gram; gt is a multiple of 4. $qn: squared query norms [qt·h]; $gn: squared gallery
  ;; norms [h, gt]; $qf, $gf: the features [n, h, c]; $row: 16·h·(h + 1) bytes of scratch. Returns how many cells
  ;; were recomputed from the features.
  (func (export "localDistancesFromGram")
    (param $gram i32) (param $qn i32) (param $gn i32) (param $qf i32) (param $gf i32)
    (param $qt i32) (param $gt i32) (param $h i32) (param $c i32) (param $out i32) (param $row i32)
    (result i32)
    (local $q i32) (local $g i32) (local $colStride i32) (local $imageBytes i32) (local $recomputed i32)
    (local.set $colStride (i32.shl (local.get $gt) (i32.const 2)))
    (local.set $imageBytes (i32.shl (i32.mul (local.get $h) (local.get $c)) (i32.const 2)))
    (local.set $q (i32.const 0))
    (block $qDone
      (loop $qLoop
        (br_if $qDone (i32.ge_s (local.get $q) (local.get $qt)))
        (local.set $g (i32.const 0))
        (block $gDone
          (loop $gLoop
            (br_if $gDone (i32.ge_s (local.get $g) (local.get $gt)))
            (local.set $recomputed
              (i32.add (local.get $recomputed)
                (call $pathOf4
                  (i32.add (local.get $gram)
                    (i32.shl
                      (i32.add (i32.mul (i32.mul (local.get $q) (local.get $h)) (i32.mul (local.get $h) (local.get $gt)))
                        (local.get $g))
                      (i32.const 2)))
                  (i32.mul (local.get $h) (local.get $colStride))
                  (local.get $colStride)
                  (i32.add (local.get $qn) (i32.shl (i32.mul (local.get $q) (local.get $h)) (i32.const 2)))
                  (i32.add (local.get $gn) (i32.shl (local.get $g) (i32.const 2)))
                  (local.get $colStride)
                  (i32.add (local.get $qf) (i32.mul (local.get $q) (local.get $imageBytes)))
                  (i32.add (local.get $gf) (i32.mul (local.get $g) (local.get $imageBytes)))
                  (local.get $h) (local.get $c)
                  (i32.add (local.get $row) (i32.shl (local.get $h) (i32.const 4))) (local.get $row)
                  (i32.add (local.get $out)
                    (i32.shl (i32.add (i32.mul (local.get $q) (local.get $gt)) (local.get $g)) (i32.const 2)))
                  (i32.add (local.get $out)
                    (i32.shl
                      (i32.add (i32.mul (i32.add (local.get $qt) (local.get $q)) (local.get $gt)) (local.get $g))
                      (i32.const 2))))))
            (local.set $g (i32.add (local.get $g) (i32.const 4)))
            (br $gLoop)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $qLoop)))
    (local.get $recomputed))

  ;; A 4 × 2 block of stripe dot products against four gallery images: rows = stripe i of four consecutive
  ;; query images, columns = gallery stripes j, j+1 (four images per vector), summed over c channels. $a: the
  ;; four rows packed [c, 4]; $b: the two columns packed [c, 2, 4]; stores cell (r, v) at
  ;; $dst + r·$dstRow + 16·v. Eight accumulators, two gallery vectors and four splats fit x64's vector
  ;; registers; a larger block, or channels unrolled, makes V8 hoist the loads and spill (measured slower).
  (func $dotBlock4x2
    (param $a i32) (param $b i32) (param $c i32) (param $dst i32) (param $dstRow i32)
    (local $x v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (loop $channel
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load32_splat offset=0 (local.get $a)))
      (local.set $c00 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c00)))
      (local.set $c01 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c01)))
      (local.set $x (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c10 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c10)))
      (local.set $c11 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c11)))
      (local.set $x (v128.load32_splat offset=8 (local.get $a)))
      (local.set $c20 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c20)))
      (local.set $c21 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c21)))
      (local.set $x (v128.load32_splat offset=12 (local.get $a)))
      (local.set $c30 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c30)))
      (local.set $c31 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c31)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (local.set $c (i32.sub (local.get $c) (i32.const 1)))
      (br_if $channel (local.get $c)))
    (v128.store (local.get $dst) (local.get $c00))
    (v128.store offset=16 (local.get $dst) (local.get $c01))
    (local.set $dst (i32.add (local.get $dst) (local.get $dstRow)))
    (v128.store (local.get $dst) (local.get $c10))
    (v128.store offset=16 (local.get $dst) (local.get $c11))
    (local.set $dst (i32.add (local.get $dst) (local.get $dstRow)))
    (v128.store (local.get $dst) (local.get $c20))
    (v128.store offset=16 (local.get $dst) (local.get $c21))
    (local.set $dst (i32.add (local.get $dst) (local.get $dstRow)))
    (v128.store (local.get $dst) (local.get $c30))
    (v128.store offset=16 (local.get $dst) (local.get $c31)))

  ;; Writes aligned distances [qt, gt] at $out and unaligned ones right after them, computing the dot
  ;; products too, for an even h, c ≥ 1, and qt and gt multiples of 4. $qp: the queries packed in blocks of
  ;; four images [qt/4, h, c, 4]; $gp: the gallery packed in groups of four images, blocks of two
  ;; stripes [gt/4, h/2, c, 2, 4]; $qn: squared query norms [qt·h]; $gn: squared gallery norms per group
  ;; [gt/4, h, 4]; $qf, $gf: the features [n, h, c] (for the recompute); $cells: 64·h² bytes of scratch for
  ;; four queries' dot products with one group ([4, h, h, 4]); $row: 16·h bytes. Gallery groups outside,
  ;; queries inside: a group's packed features (16·c·h bytes) stay in L1 while every query meets them.
  (func (export "fusedLocalDistances")
    (param $qp i32) (param $gp i32) (param $qn i32) (param $gn i32) (param $qf i32) (param $gf i32)
    (param $qt i32) (param $gt i32) (param $h i32) (param $c i32) (param $out i32) (param $cells i32)
    (param $row i32)
    (result i32)
    (local $q i32) (local $g i32) (local $i i32) (local $j i32) (local $r i32) (local $recomputed i32)
    (local $cellRow i32) (local $cellQuery i32) (local $rowsBytes i32) (local $stripeBytes i32)
    (local $pairBytes i32) (local $groupBytes i32) (local $imageBytes i32)
    (local $qa i32) (local $gb i32) (local $query i32)
    (local.set $cellRow (i32.shl (local.get $h) (i32.const 4)))
    (local.set $cellQuery (i32.mul (local.get $h) (local.get $cellRow)))
    (local.set $stripeBytes (i32.shl (local.get $c) (i32.const 4)))
    (local.set $rowsBytes (i32.mul (local.get $h) (local.get $stripeBytes)))
    (local.set $pairBytes (i32.shl (local.get $c) (i32.const 5)))
    (local.set $groupBytes (i32.mul (local.get $c) (local.get $cellRow)))
    (local.set $imageBytes (i32.shl (i32.mul (local.get $h) (local.get $c)) (i32.const 2)))
    (local.set $g (i32.const 0))
    (block $gDone
      (loop $gLoop
        (br_if $gDone (i32.ge_s (local.get $g) (local.get $gt)))
        (local.set $gb (i32.add (local.get $gp) (i32.mul (i32.shr_u (local.get $g) (i32.const 2)) (local.get $groupBytes))))
        (local.set $q (i32.const 0))
        (block $qDone
          (loop $qLoop
            (br_if $qDone (i32.ge_s (local.get $q) (local.get $qt)))
            (local.set $qa (i32.add (local.get $qp) (i32.mul (i32.shr_u (local.get $q) (i32.const 2)) (local.get $rowsBytes))))
            (local.set $i (i32.const 0))
            (block $iDone
              (loop $iLoop
                (br_if $iDone (i32.ge_s (local.get $i) (local.get $h)))
                (local.set $j (i32.const 0))
                (block $jDone
                  (loop $jLoop
                    (br_if $jDone (i32.ge_s (local.get $j) (local.get $h)))
                    (call $dotBlock4x2
                      (i32.add (local.get $qa) (i32.mul (local.get $i) (local.get $stripeBytes)))
                      (i32.add (local.get $gb) (i32.mul (i32.shr_u (local.get $j) (i32.const 1)) (local.get $pairBytes)))
                      (local.get $c)
                      (i32.add (local.get $cells)
                        (i32.add (i32.mul (local.get $i) (local.get $cellRow)) (i32.shl (local.get $j) (i32.const 4))))
                      (local.get $cellQuery))
                    (local.set $j (i32.add (local.get $j) (i32.const 2)))
                    (br $jLoop)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $iLoop)))
            (local.set $r (i32.const 0))
            (loop $rLoop
              (local.set $query (i32.add (local.get $q) (local.get $r)))
              (local.set $recomputed
                (i32.add (local.get $recomputed)
                  (call $pathOf4
                    (i32.add (local.get $cells) (i32.mul (local.get $r) (local.get $cellQuery)))
                    (local.get $cellRow) (i32.const 16)
                    (i32.add (local.get $qn) (i32.shl (i32.mul (local.get $query) (local.get $h)) (i32.const 2)))
                    (i32.add (local.get $gn) (i32.mul (i32.shr_u (local.get $g) (i32.const 2)) (local.get $cellRow)))
                    (i32.const 16)
                    (i32.add (local.get $qf) (i32.mul (local.get $query) (local.get $imageBytes)))
                    (i32.add (local.get $gf) (i32.mul (local.get $g) (local.get $imageBytes)))
                    (local.get $h) (local.get $c)
                    (i32.add (local.get $cells) (i32.mul (local.get $r) (local.get $cellQuery)))
                    (local.get $row)
                    (i32.add (local.get $out)
                      (i32.shl (i32.add (i32.mul (local.get $query) (local.get $gt)) (local.get $g)) (i32.const 2)))
                    (i32.add (local.get $out)
                      (i32.shl
                        (i32.add (i32.mul (i32.add (local.get $qt) (local.get $query)) (local.get $gt)) (local.get $g))
                        (i32.const 2))))))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $rLoop (i32.lt_u (local.get $r) (i32.const 4))))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br $qLoop)))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (br $gLoop)))
    (local.get $recomputed))

  ;; Queries [qt, h, c] at $src as blocks of four images [qt/4, h, c, 4] at $dst (qt a multiple of 4), the
  ;; layout `fusedLocalDistances` reads; here rather than in JS, where it cost ~4% of a thread's time.
  (func (export "packQueries") (param $src i32) (param $dst i32) (param $qt i32) (param $h i32) (param $c i32)
    (local $q i32) (local $i i32) (local $k i32) (local $from i32) (local $to i32)
    (local.set $q (i32.const 0))
    (block $qDone
      (loop $qLoop
        (br_if $qDone (i32.ge_u (local.get $q) (local.get $qt)))
        (local.set $i (i32.const 0))
        (block $iDone
          (loop $iLoop
            (br_if $iDone (i32.ge_u (local.get $i) (local.get $h)))
            (local.set $from
              (i32.add (local.get $src)
                (i32.shl (i32.mul (i32.add (i32.mul (local.get $q) (local.get $h)) (local.get $i)) (local.get $c)) (i32.const 2))))
            ;; ((q >> 2)·h·c + i·c)·4 + (q & 3), in floats
            (local.set $to
              (i32.add (local.get $dst)
                (i32.shl
                  (i32.add
                    (i32.shl
                      (i32.add (i32.mul (i32.shr_u (local.get $q) (i32.const 2)) (i32.mul (local.get $h) (local.get $c)))
                        (i32.mul (local.get $i) (local.get $c)))
                      (i32.const 2))
                    (i32.and (local.get $q) (i32.const 3)))
                  (i32.const 2))))
            (local.set $k (i32.const 0))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.ge_u (local.get $k) (local.get $c)))
                (f32.store (local.get $to) (f32.load (local.get $from)))
                (local.set $from (i32.add (local.get $from) (i32.const 4)))
                (local.set $to (i32.add (local.get $to) (i32.const 16)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $kLoop)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $iLoop)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $qLoop)))
  )

  ;; Σ_k x[k]² of each of $rows runs of $c floats at $src, into $dst ([rows]).
  (func (export "squaredNorms") (param $src i32) (param $dst i32) (param $rows i32) (param $c i32)
    (local $r i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (f32.store
          (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2)))
          (call $dotSelf (local.get $src) (local.get $c)))
        (local.set $src (i32.add (local.get $src) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row)))
  )

  ;; Σ_k a[k]² over c floats at byte address a.
  (func $dotSelf (param $a i32) (param $c i32) (result f32)
    (local $k i32) (local $acc v128) (local $x v128) (local $sum f32) (local $y f32)
    (block $vectorDone
      (loop $vector
        (br_if $vectorDone (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $c)))
        (local.set $x (v128.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $x) (local.get $x))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $vector)))
    (local.set $sum
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_s (local.get $k) (local.get $c)))
        (local.set $y (f32.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $sum (f32.add (local.get $sum) (f32.mul (local.get $y) (local.get $y))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $tail)))
    (local.get $sum))
)
