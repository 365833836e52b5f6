namespace Functional.Nets.Reference;

/// <summary>
/// PyTorch's LSTM and GRU cells as fused primitives, forward and hand-derived VJP side by side. Arrays are
/// row-major: x [N, F], h and c [N, H], W_ih [G·H, F], W_hh [G·H, H], b_ih and b_hh [G·H] (G = 4 or 3 gates);
/// the matrix products are <see cref="Linear"/>'s.
/// </summary>
/// <remarks>
/// <para>LSTM, forward (gate order i, f, g, o; the pre-activations a are [N, 4H]):</para>
/// <code>
/// a  = (x W_ihᵀ + b_ih) + (h W_hhᵀ + b_hh)        = [a_i | a_f | a_g | a_o]
/// i = σ(a_i),  f = σ(a_f),  g = tanh(a_g),  o = σ(a_o)
/// c′ = f ⊙ c + i ⊙ g
/// h′ = o ⊙ tanh(c′)
/// </code>
/// <para>LSTM, VJP: given h̄′ and c̄′ (the output is [h′ | c′], so ȳ = [h̄′ | c̄′]), with t = tanh(c′):</para>
/// <code>
/// ō  = h̄′ ⊙ t
/// ĉ  = c̄′ + h̄′ ⊙ o ⊙ (1 − t²)          (everything reaching c′: directly, and through h′)
/// ī  = ĉ ⊙ g,   ḡ = ĉ ⊙ i,   f̄ = ĉ ⊙ c
/// c̄  = ĉ ⊙ f
/// ā_i = ī ⊙ i(1 − i),  ā_f = f̄ ⊙ f(1 − f),  ā_g = ḡ ⊙ (1 − g²),  ā_o = ō ⊙ o(1 − o)
/// x̄ = ā W_ih,  h̄ = ā W_hh,  W̄_ih = āᵀ x,  W̄_hh = āᵀ h,  b̄_ih = b̄_hh = Σₙ ā
/// </code>
/// <para>GRU (PyTorch's form: the reset gate multiplies h W_hnᵀ + b_hn), forward (gate order r, z, n):</para>
/// <code>
/// p = x W_ihᵀ + b_ih = [p_r | p_z | p_n],   q = h W_hhᵀ + b_hh = [q_r | q_z | q_n]
/// r = σ(p_r + q_r),  z = σ(p_z + q_z),  n = tanh(p_n + r ⊙ q_n)
/// h′ = n + z ⊙ (h − n)                   (= (1 − z) ⊙ n + z ⊙ h)
/// </code>
/// <para>GRU, VJP: given h̄′,</para>
/// <code>
/// z̄ = h̄′ ⊙ (h − n),   n̄ = h̄′ ⊙ (1 − z)
/// ā_n = n̄ ⊙ (1 − n²)                    (the gradient of p_n + r ⊙ q_n)
/// r̄ = ā_n ⊙ q_n,   q̄_n = ā_n ⊙ r
/// ā_r = r̄ ⊙ r(1 − r),  ā_z = z̄ ⊙ z(1 − z)
/// p̄ = [ā_r | ā_z | ā_n],   q̄ = [ā_r | ā_z | q̄_n]
/// x̄ = p̄ W_ih,  W̄_ih = p̄ᵀ x,  b̄_ih = Σₙ p̄
/// h̄ = q̄ W_hh + h̄′ ⊙ z,  W̄_hh = q̄ᵀ h,  b̄_hh = Σₙ q̄
/// </code>
/// </remarks>
internal static class RecurrentCells
{
    /// <summary>What the LSTM's backward pass needs from its forward pass: the gate activations and tanh(c′).</summary>
    public sealed record LstmSaved(double[] Gates, double[] TanhC);

    /// <summary>The LSTM step: [h′ | c′] as one [N, 2H] array, and what the VJP needs.</summary>
    public static (double[] Output, LstmSaved Saved) LstmForward(double[] x, double[] h, double[] c, double[] wIh, double[] wHh, double[]? bIh, double[]? bHh, int n, int f, int hidden)
    {
        var gates = Linear.Forward(x, wIh, bIh, n, f, 4 * hidden);
        var fromHidden = Linear.Forward(h, wHh, bHh, n, hidden, 4 * hidden);
        var output = new double[n * 2 * hidden];
        var tanhC = new double[n * hidden];
        for (var row = 0; row < n; row++)
        {
            var g0 = row * 4 * hidden;
            for (var j = 0; j < hidden; j++)
            {
                // a = (x W_ihᵀ + b_ih) + (h W_hhᵀ + b_hh); the activations replace the pre-activations in place.
                var i = Sigmoid(gates[g0 + j] + fromHidden[g0 + j]);
                var fg = Sigmoid(gates[g0 + hidden + j] + fromHidden[g0 + hidden + j]);
                var g = Math.Tanh(gates[g0 + 2 * hidden + j] + fromHidden[g0 + 2 * hidden + j]);
                var o = Sigmoid(gates[g0 + 3 * hidden + j] + fromHidden[g0 + 3 * hidden + j]);
                gates[g0 + j] = i;
                gates[g0 + hidden + j] = fg;
                gates[g0 + 2 * hidden + j] = g;
                gates[g0 + 3 * hidden + j] = o;

                // c′ = f ⊙ c + i ⊙ g;  h′ = o ⊙ tanh(c′).
                var next = fg * c[row * hidden + j] + i * g;
                var t = Math.Tanh(next);
                tanhC[row * hidden + j] = t;
                output[row * 2 * hidden + j] = o * t;
                output[row * 2 * hidden + hidden + j] = next;
            }
        }

        return (output, new LstmSaved(gates, tanhC));
    }

    /// <summary>The LSTM's VJP from ȳ = [h̄′ | c̄′]: x̄, h̄, c̄, W̄_ih, W̄_hh and, with biases, b̄_ih, b̄_hh.</summary>
    public static double[][] LstmVjp(double[] gy, LstmSaved saved, double[] x, double[] h, double[] c, double[] wIh, double[] wHh, bool bias, int n, int f, int hidden)
    {
        var a = new double[n * 4 * hidden];
        var gc = new double[n * hidden];
        var s = saved.Gates;
        for (var row = 0; row < n; row++)
        {
            var g0 = row * 4 * hidden;
            for (var j = 0; j < hidden; j++)
            {
                double i = s[g0 + j], fg = s[g0 + hidden + j], g = s[g0 + 2 * hidden + j], o = s[g0 + 3 * hidden + j];
                var t = saved.TanhC[row * hidden + j];
                var gh = gy[row * 2 * hidden + j];
                var gcNext = gy[row * 2 * hidden + hidden + j];

                // ō = h̄′ ⊙ t;  ĉ = c̄′ + h̄′ ⊙ o ⊙ (1 − t²).
                var gO = gh * t;
                var gcHat = gcNext + gh * o * (1 - t * t);

                // ī = ĉ ⊙ g, ḡ = ĉ ⊙ i, f̄ = ĉ ⊙ c;  c̄ = ĉ ⊙ f.
                var gI = gcHat * g;
                var gG = gcHat * i;
                var gF = gcHat * c[row * hidden + j];
                gc[row * hidden + j] = gcHat * fg;

                // Through the activations: σ′ = σ(1 − σ), tanh′ = 1 − tanh².
                a[g0 + j] = gI * i * (1 - i);
                a[g0 + hidden + j] = gF * fg * (1 - fg);
                a[g0 + 2 * hidden + j] = gG * (1 - g * g);
                a[g0 + 3 * hidden + j] = gO * o * (1 - o);
            }
        }

        // x̄ = ā W_ih, W̄_ih = āᵀ x, b̄_ih = Σ ā; h̄ = ā W_hh, W̄_hh = āᵀ h, b̄_hh = Σ ā.
        var fromInput = Linear.Vjp(a, x, wIh, bias, n, f, 4 * hidden);
        var fromHidden = Linear.Vjp(a, h, wHh, bias, n, hidden, 4 * hidden);
        return bias
            ? [fromInput[0]!, fromHidden[0]!, gc, fromInput[1]!, fromHidden[1]!, fromInput[2]!, fromHidden[2]!]
            : [fromInput[0]!, fromHidden[0]!, gc, fromInput[1]!, fromHidden[1]!];
    }

    /// <summary>What the GRU's backward pass needs: r, z, n and q_n = h W_hnᵀ + b_hn.</summary>
    public sealed record GruSaved(double[] R, double[] Z, double[] N, double[] HiddenN);

    /// <summary>The GRU step: h′ [N, H], and what the VJP needs.</summary>
    public static (double[] Output, GruSaved Saved) GruForward(double[] x, double[] h, double[] wIh, double[] wHh, double[]? bIh, double[]? bHh, int n, int f, int hidden)
    {
        var p = Linear.Forward(x, wIh, bIh, n, f, 3 * hidden);
        var q = Linear.Forward(h, wHh, bHh, n, hidden, 3 * hidden);
        var size = n * hidden;
        double[] r = new double[size], z = new double[size], cand = new double[size], qn = new double[size], output = new double[size];
        for (var row = 0; row < n; row++)
        {
            var g0 = row * 3 * hidden;
            for (var j = 0; j < hidden; j++)
            {
                var k = row * hidden + j;
                r[k] = Sigmoid(p[g0 + j] + q[g0 + j]);
                z[k] = Sigmoid(p[g0 + hidden + j] + q[g0 + hidden + j]);
                qn[k] = q[g0 + 2 * hidden + j];
                cand[k] = Math.Tanh(p[g0 + 2 * hidden + j] + r[k] * qn[k]);

                // h′ = n + z ⊙ (h − n), in libtorch's gru_cell arrangement.
                output[k] = cand[k] + z[k] * (h[k] - cand[k]);
            }
        }

        return (output, new GruSaved(r, z, cand, qn));
    }

    /// <summary>The GRU's VJP from h̄′: x̄, h̄, W̄_ih, W̄_hh and, with biases, b̄_ih, b̄_hh.</summary>
    public static double[][] GruVjp(double[] gy, GruSaved saved, double[] x, double[] h, double[] wIh, double[] wHh, bool bias, int n, int f, int hidden)
    {
        var gp = new double[n * 3 * hidden];
        var gq = new double[n * 3 * hidden];
        var direct = new double[n * hidden];
        for (var row = 0; row < n; row++)
        {
            var g0 = row * 3 * hidden;
            for (var j = 0; j < hidden; j++)
            {
                var k = row * hidden + j;
                double r = saved.R[k], z = saved.Z[k], cand = saved.N[k];

                // z̄ = h̄′ ⊙ (h − n);  n̄ = h̄′ ⊙ (1 − z);  h̄ (direct) = h̄′ ⊙ z.
                var gz = gy[k] * (h[k] - cand);
                var gn = gy[k] * (1 - z);
                direct[k] = gy[k] * z;

                // ā_n = n̄ ⊙ (1 − n²);  r̄ = ā_n ⊙ q_n;  q̄_n = ā_n ⊙ r.
                var an = gn * (1 - cand * cand);
                var gr = an * saved.HiddenN[k];
                var ar = gr * r * (1 - r);
                var az = gz * z * (1 - z);
                gp[g0 + j] = ar;
                gp[g0 + hidden + j] = az;
                gp[g0 + 2 * hidden + j] = an;
                gq[g0 + j] = ar;
                gq[g0 + hidden + j] = az;
                gq[g0 + 2 * hidden + j] = an * r;
            }
        }

        // x̄ = p̄ W_ih, W̄_ih = p̄ᵀ x, b̄_ih = Σ p̄;  h̄ = q̄ W_hh + h̄′ ⊙ z, W̄_hh = q̄ᵀ h, b̄_hh = Σ q̄.
        var fromInput = Linear.Vjp(gp, x, wIh, bias, n, f, 3 * hidden);
        var fromHidden = Linear.Vjp(gq, h, wHh, bias, n, hidden, 3 * hidden);
        var gh = fromHidden[0]!;
        for (var k = 0; k < gh.Length; k++)
        {
            gh[k] += direct[k];
        }

        return bias
            ? [fromInput[0]!, gh, fromInput[1]!, fromHidden[1]!, fromInput[2]!, fromHidden[2]!]
            : [fromInput[0]!, gh, fromInput[1]!, fromHidden[1]!];
    }

    private static double Sigmoid(double v) => Elementwise.Sigmoid(v);
}
