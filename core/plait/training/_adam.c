/* One pass of thinc's Adam update over a float32 parameter (plait.training._adam_kernel).
 *
 * The same float32 operations as thinc's CPU Adam, in thinc's order, each
 * weight read and written once: m = m*b1 + g*c1; v = v*b2 + (g*g)*c2;
 * w += (m / (sqrt(v) + eps)) * neg_lr; then, with decay, w -= w*wd; g = 0.
 * Built with -ffp-contract=off (no fused multiply-add, which would round
 * differently) and -fno-math-errno (sqrt of a negative cannot occur here, and
 * errno handling would stop the loop from vectorising). sqrt and division are
 * exactly rounded IEEE operations in every SIMD width, so the AVX-512, AVX2
 * and baseline clones give the same bits as thinc's scalar loop.
 */
#include <stdint.h>

#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void plait_adam(float *restrict w, float *restrict g, float *restrict m, float *restrict v, int64_t n,
                float b1, float c1, float b2, float c2, float eps, float neg_lr, float wd, int decay) {
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i];
        float mi = m[i] * b1 + gi * c1;
        float vi = v[i] * b2 + (gi * gi) * c2;
        m[i] = mi;
        v[i] = vi;
        float wi = w[i] + (mi / (__builtin_sqrtf(vi) + eps)) * neg_lr;
        if (decay) {
            wi = wi - wi * wd;
        }
        w[i] = wi;
        g[i] = 0.0f;
    }
}
