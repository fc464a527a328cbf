;; AlignedReID local distances from a Gram tile, four gallery images per SIMD vector.
;;
;; The caller lays the Gram tile out as [qt·h rows (query q, stripe i)] × [h·gt columns (stripe j, gallery g)],
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

  ;; Writes aligned distances [qt, gt] at $out and unaligned ones right after them; gt is a multiple of 4.
  ;; $qn: squared query norms [qt·h]; $gn: squared gallery norms [h, gt]; $qf, $gf: the features [n, h, c];
  ;; $row: 16·h bytes of scratch. Returns how many cells were recomputed from the features.
  (func (export "localDistancesFromGram")
    (param $gram i32) (param $qn i32) (param $gn i32) (param $qf i32) (param $gf i32)
    (param $qt i32) (param $gt i32) (param $h i32) (param $c i32) (param $out i32) (param $row i32)
    (result i32)
    (local $q i32) (local $g i32) (local $i i32) (local $j i32)
    (local $cell i32) (local $gnp i32) (local $rowp i32) (local $colStride i32) (local $featureBytes i32)
    (local $queryStripe i32) (local $galleryStripe i32) (local $recomputed i32)
    (local $qnv v128) (local $ns v128) (local $gramCell v128) (local $sq v128) (local $bad v128)
    (local $y v128) (local $yc v128) (local $y2 v128) (local $z2 v128) (local $z4 v128) (local $p v128) (local $d v128)
    (local $left v128) (local $diag v128) (local $inf v128)
    (local.set $colStride (i32.shl (local.get $gt) (i32.const 2)))
    (local.set $featureBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $inf (f32x4.splat (f32.const inf)))
    (local.set $q (i32.const 0))
    (block $qDone
      (loop $qLoop
        (br_if $qDone (i32.ge_s (local.get $q) (local.get $qt)))
        (local.set $g (i32.const 0))
        (block $gDone
          (loop $gLoop
            (br_if $gDone (i32.ge_s (local.get $g) (local.get $gt)))
            ;; S starts at +inf above the first row, so min(above, left) needs no edge cases.
            (local.set $rowp (local.get $row))
            (local.set $j (i32.const 0))
            (block $fillDone
              (loop $fill
                (br_if $fillDone (i32.ge_s (local.get $j) (local.get $h)))
                (v128.store (local.get $rowp) (local.get $inf))
                (local.set $rowp (i32.add (local.get $rowp) (i32.const 16)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $fill)))
            (local.set $diag (v128.const f32x4 0 0 0 0))
            (local.set $i (i32.const 0))
            (block $iDone
              (loop $iLoop
                (br_if $iDone (i32.ge_s (local.get $i) (local.get $h)))
                (local.set $queryStripe (i32.add (i32.mul (local.get $q) (local.get $h)) (local.get $i)))
                (local.set $qnv
                  (f32x4.splat (f32.load (i32.add (local.get $qn) (i32.shl (local.get $queryStripe) (i32.const 2))))))
                (local.set $cell
                  (i32.add (local.get $gram)
                    (i32.shl
                      (i32.add (i32.mul (i32.mul (local.get $queryStripe) (local.get $h)) (local.get $gt))
                        (local.get $g))
                      (i32.const 2))))
                (local.set $gnp (i32.add (local.get $gn) (i32.shl (local.get $g) (i32.const 2))))
                (local.set $rowp (local.get $row))
                ;; Left of the first column: 0 on the first row (S[0][0] = d), +inf below it.
                (local.set $left
                  (select (v128.const f32x4 0 0 0 0) (local.get $inf) (i32.eqz (local.get $i))))
                (local.set $j (i32.const 0))
                (block $jDone
                  (loop $jLoop
                    (br_if $jDone (i32.ge_s (local.get $j) (local.get $h)))
                    (local.set $ns (f32x4.add (local.get $qnv) (v128.load (local.get $gnp))))
                    (local.set $gramCell (v128.load (local.get $cell)))
                    (local.set $sq (f32x4.sub (local.get $ns) (f32x4.add (local.get $gramCell) (local.get $gramCell))))
                    (local.set $bad
                      (v128.not
                        (f32x4.ge (local.get $sq) (f32x4.mul (local.get $ns) (v128.const f32x4 0.0625 0.0625 0.0625 0.0625)))))
                    (if (v128.any_true (local.get $bad))
                      (then
                        (local.set $galleryStripe
                          (i32.add (i32.mul (local.get $g) (local.get $h)) (local.get $j)))
                        (local.set $sq
                          (f32x4.replace_lane 3
                            (f32x4.replace_lane 2
                              (f32x4.replace_lane 1
                                (f32x4.splat
                                  (call $squaredDistance
                                    (i32.add (local.get $qf) (i32.mul (local.get $queryStripe) (local.get $featureBytes)))
                                    (i32.add (local.get $gf) (i32.mul (local.get $galleryStripe) (local.get $featureBytes)))
                                    (local.get $c)))
                                (call $squaredDistance
                                  (i32.add (local.get $qf) (i32.mul (local.get $queryStripe) (local.get $featureBytes)))
                                  (i32.add (local.get $gf)
                                    (i32.mul (i32.add (local.get $galleryStripe) (local.get $h)) (local.get $featureBytes)))
                                  (local.get $c)))
                              (call $squaredDistance
                                (i32.add (local.get $qf) (i32.mul (local.get $queryStripe) (local.get $featureBytes)))
                                (i32.add (local.get $gf)
                                  (i32.mul
                                    (i32.add (local.get $galleryStripe) (i32.shl (local.get $h) (i32.const 1)))
                                    (local.get $featureBytes)))
                                (local.get $c)))
                            (call $squaredDistance
                              (i32.add (local.get $qf) (i32.mul (local.get $queryStripe) (local.get $featureBytes)))
                              (i32.add (local.get $gf)
                                (i32.mul
                                  (i32.add (local.get $galleryStripe) (i32.mul (local.get $h) (i32.const 3)))
                                  (local.get $featureBytes)))
                              (local.get $c))))
                        (local.set $recomputed (i32.add (local.get $recomputed) (i32.const 4)))))
                    ;; d = tanh(x / 2), x = √sq; exactly 1 from x/2 = 9 on (float32 tanh rounds to 1 there).
                    (local.set $y
                      (f32x4.mul
                        (f32x4.sqrt (f32x4.pmax (local.get $sq) (v128.const f32x4 0 0 0 0)))
                        (v128.const f32x4 0.5 0.5 0.5 0.5)))
                    (local.set $yc (f32x4.pmin (local.get $y) (v128.const f32x4 7.90531110763549805 7.90531110763549805 7.90531110763549805 7.90531110763549805)))
                    (local.set $y2 (f32x4.mul (local.get $yc) (local.get $yc)))
                    ;; Estrin's scheme instead of Horner's: the same rational, about half the dependency chain (z2 = y⁴, z4 = y⁸).
                    (local.set $z2 (f32x4.mul (local.get $y2) (local.get $y2)))
                    (local.set $z4 (f32x4.mul (local.get $z2) (local.get $z2)))
                    ;; numerator: yc · ((n0 + n1·y²) + y⁴·(n2 + n3·y²) + y⁸·((n4 + n5·y²) + y⁴·n6))
                    (local.set $p
                      (f32x4.mul (local.get $yc)
                        (f32x4.add
                          (f32x4.add
                            (f32x4.add (v128.const f32x4 4.89352455891786e-3 4.89352455891786e-3 4.89352455891786e-3 4.89352455891786e-3)
                              (f32x4.mul (local.get $y2) (v128.const f32x4 6.37261928875436e-4 6.37261928875436e-4 6.37261928875436e-4 6.37261928875436e-4)))
                            (f32x4.mul (local.get $z2)
                              (f32x4.add (v128.const f32x4 1.48572235717979e-5 1.48572235717979e-5 1.48572235717979e-5 1.48572235717979e-5)
                                (f32x4.mul (local.get $y2) (v128.const f32x4 5.12229709037114e-8 5.12229709037114e-8 5.12229709037114e-8 5.12229709037114e-8)))))
                          (f32x4.mul (local.get $z4)
                            (f32x4.add
                              (f32x4.add (v128.const f32x4 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11 -8.60467152213735e-11)
                                (f32x4.mul (local.get $y2) (v128.const f32x4 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13 2.00018790482477e-13)))
                              (f32x4.mul (local.get $z2) (v128.const f32x4 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16 -2.76076847742355e-16)))))))
                    ;; denominator: (d0 + d1·y²) + y⁴·(d2 + d3·y²)
                    (local.set $d
                      (f32x4.div (local.get $p)
                        (f32x4.add
                          (f32x4.add (v128.const f32x4 4.89352518554385e-3 4.89352518554385e-3 4.89352518554385e-3 4.89352518554385e-3)
                            (f32x4.mul (local.get $y2) (v128.const f32x4 2.268434632439e-3 2.268434632439e-3 2.268434632439e-3 2.268434632439e-3)))
                          (f32x4.mul (local.get $z2)
                            (f32x4.add (v128.const f32x4 1.18534705686654e-4 1.18534705686654e-4 1.18534705686654e-4 1.18534705686654e-4)
                              (f32x4.mul (local.get $y2) (v128.const f32x4 1.19825839466702e-6 1.19825839466702e-6 1.19825839466702e-6 1.19825839466702e-6)))))))
                    (local.set $d
                      (v128.bitselect (v128.const f32x4 1 1 1 1) (local.get $d)
                        (f32x4.ge (local.get $y) (v128.const f32x4 9 9 9 9))))
                    ;; S[i][j] = min(S[i−1][j], S[i][j−1]) + d[i][j]
                    (local.set $left
                      (f32x4.add (f32x4.pmin (v128.load (local.get $rowp)) (local.get $left)) (local.get $d)))
                    (v128.store (local.get $rowp) (local.get $left))
                    (if (i32.eq (local.get $i) (local.get $j))
                      (then (local.set $diag (f32x4.add (local.get $diag) (local.get $d)))))
                    (local.set $cell (i32.add (local.get $cell) (local.get $colStride)))
                    (local.set $gnp (i32.add (local.get $gnp) (local.get $colStride)))
                    (local.set $rowp (i32.add (local.get $rowp) (i32.const 16)))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $jLoop)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $iLoop)))
            (v128.store
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $q) (local.get $gt)) (local.get $g)) (i32.const 2)))
              (local.get $left))
            (v128.store
              (i32.add (local.get $out)
                (i32.shl
                  (i32.add (i32.mul (i32.add (local.get $qt) (local.get $q)) (local.get $gt)) (local.get $g))
                  (i32.const 2)))
              (local.get $diag))
            (local.set $g (i32.add (local.get $g) (i32.const 4)))
            (br $gLoop)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $qLoop)))
    (local.get $recomputed))
)
