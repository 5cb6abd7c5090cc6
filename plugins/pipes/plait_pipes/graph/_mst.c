/* Chu-Liu-Edmonds over one sentence's prepared arc scores, compiled.
 *
 * Why it exists: plait_pipes/graph/mst.py's numpy version contracts one
 * cycle per recursion level, and every level costs tens of microseconds of
 * numpy call overhead on matrices of a few dozen rows. The one-root
 * constraint (a large penalty on every root arc, see _prepare in mst.py)
 * makes several levels the rule, not the exception: decoding was about a
 * third of the biaffine parser's prediction time. This file is the same
 * algorithm, step for step (same argmax tie-breaking: the first maximum),
 * so it returns the same heads as mst._cle.
 *
 * plait_cle(s, n1, heads): s is (n1 x n1) row-major doubles, s[d * n1 + h]
 * the score of head h for dependent d, index 0 the root (row 0 unused),
 * impossible arcs already at a very low score. Writes heads[0..n1-1]
 * (heads[0] = -1). Returns 0, or -1 when memory ran out (nothing written
 * that the caller keeps: it falls back to numpy).
 */
#include <stdint.h>
#include <stdlib.h>

#define NEG (-1e18)

static int cle(const double *s, int64_t n1, int64_t *out) {
    int64_t i, j, a, b;
    int64_t *heads = out;
    for (i = 1; i < n1; i++) {
        const double *row = s + i * n1;
        int64_t best = 0;
        for (j = 1; j < n1; j++)
            if (row[j] > row[best]) best = j;
        heads[i] = best;
    }
    heads[0] = -1;
    if (n1 <= 2) return 0;

    /* The cycles: walk from each node, marking the walk's nodes with its id;
     * a walk that meets itself closed a cycle. Contract the one holding the
     * smallest node (mst._find_cycle's choice). */
    int64_t *mark = malloc(sizeof(int64_t) * n1);
    if (!mark) return -1;
    for (i = 0; i < n1; i++) mark[i] = -1;
    int64_t cycle_start = -1;
    for (i = 1; i < n1; i++) {
        if (mark[i] >= 0) continue;
        int64_t node = i;
        while (node > 0 && mark[node] < 0) {
            mark[node] = i;
            node = heads[node];
        }
        if (node > 0 && mark[node] == i) {
            int64_t low = node, c = heads[node];
            while (c != node) {
                if (c < low) low = c;
                c = heads[c];
            }
            if (cycle_start < 0 || low < cycle_start) cycle_start = low;
        }
    }
    if (cycle_start < 0) {
        free(mark);
        return 0;
    }
    /* The cycle's members, in walk order from cycle_start (as mst._find_cycle
     * lists them: start, heads[start], ...), and the kept nodes. */
    char *in_cycle = calloc((size_t)n1, 1);
    int64_t *cycle = malloc(sizeof(int64_t) * n1);
    int64_t *keep = malloc(sizeof(int64_t) * n1);
    if (!in_cycle || !cycle || !keep) {
        free(mark); free(in_cycle); free(cycle); free(keep);
        return -1;
    }
    int64_t nc = 0, m = 0, node = cycle_start;
    do {
        cycle[nc++] = node;
        in_cycle[node] = 1;
        node = heads[node];
    } while (node != cycle_start);
    for (i = 0; i < n1; i++)
        if (!in_cycle[i]) keep[m++] = i;

    int64_t n2 = m + 1;
    double *sub = malloc(sizeof(double) * n2 * n2);
    int64_t *enter_at = malloc(sizeof(int64_t) * m);
    int64_t *leave_from = malloc(sizeof(int64_t) * m);
    int64_t *sub_heads = malloc(sizeof(int64_t) * n2);
    if (!sub || !enter_at || !leave_from || !sub_heads) {
        free(mark); free(in_cycle); free(cycle); free(keep);
        free(sub); free(enter_at); free(leave_from); free(sub_heads);
        return -1;
    }
    for (a = 0; a < n2 * n2; a++) sub[a] = NEG;
    for (a = 1; a < m; a++)
        for (b = 0; b < m; b++)
            sub[a * n2 + b] = s[keep[a] * n1 + keep[b]];
    /* Arc keep[b] -> cycle: enter at the member whose cycle arc it replaces best
     * (first maximum over the cycle in walk order, as numpy's argmax). */
    for (b = 0; b < m; b++) {
        double best = 0.0;
        int64_t at = -1;
        for (j = 0; j < nc; j++) {
            int64_t c = cycle[j];
            double v = s[c * n1 + keep[b]] - s[c * n1 + heads[c]];
            if (at < 0 || v > best) { best = v; at = c; }
        }
        enter_at[b] = at;
        sub[m * n2 + b] = best;
    }
    /* Arc cycle -> keep[a]: the best member as head. */
    for (a = 0; a < m; a++) {
        double best = 0.0;
        int64_t from = -1;
        for (j = 0; j < nc; j++) {
            double v = s[keep[a] * n1 + cycle[j]];
            if (from < 0 || v > best) { best = v; from = cycle[j]; }
        }
        leave_from[a] = from;
        if (a > 0) sub[a * n2 + m] = best;
    }
    for (a = 0; a < n2; a++) {
        sub[a] = NEG;            /* row 0: the root has no head */
        sub[a * n2 + a] = NEG;   /* no self loops */
    }
    int rc = cle(sub, n2, sub_heads);
    if (rc == 0) {
        for (a = 1; a < m; a++) {
            int64_t h = sub_heads[a];
            heads[keep[a]] = (h == m) ? leave_from[a] : keep[h < m - 1 ? h : m - 1];
        }
        int64_t h_c = sub_heads[m];
        heads[enter_at[h_c]] = keep[h_c];
        heads[0] = -1;
    }
    free(mark); free(in_cycle); free(cycle); free(keep);
    free(sub); free(enter_at); free(leave_from); free(sub_heads);
    return rc;
}

int plait_cle(const double *scores, int64_t n1, int64_t *heads) {
    return cle(scores, n1, heads);
}
