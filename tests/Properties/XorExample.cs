namespace Functional.Nets.Tests;

/// <summary>
/// The XOR network 2-2-1 with sigmoid hidden and output units and binary cross-entropy, with the
/// backpropagation worked by hand. The loss is the MEAN over the N = 4 samples, as
/// <see cref="Losses.BinaryCrossEntropy"/> defines it (PyTorch's reduction='mean'):
/// L = −(1/N) Σₙ [yₙ ln o₂ₙ + (1 − yₙ) ln(1 − o₂ₙ)].
/// With S₁ = X W₁ᵀ + b₁, O₁ = σ(S₁), S₂ = O₁ W₂ᵀ + b₂, O₂ = σ(S₂) and σ' = σ(1 − σ):
/// <list type="bullet">
/// <item>dL/dS₂ = (O₂ − Y)/N (the sigmoid's derivative cancels the cross-entropy's denominator);</item>
/// <item>dL/dW₂ = (dL/dS₂)ᵀ O₁ and dL/db₂ = Σₙ (dL/dS₂)ₙ;</item>
/// <item>dL/dS₁ = (dL/dS₂) W₂ ⊙ O₁ ⊙ (1 − O₁);</item>
/// <item>dL/dW₁ = (dL/dS₁)ᵀ X and dL/db₁ = Σₙ (dL/dS₁)ₙ.</item>
/// </list>
/// The test computes these with plain C# arithmetic (no library call), checks them against the
/// numbers written out below, and checks both float64 backends' ValueAndGrad against them.
/// </summary>
public sealed class XorExample
{
    private const int N = 4;
    private static readonly double[,] X = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
    private static readonly double[] Y = [0, 1, 1, 0];
    private static readonly double[,] W1 = { { 0.5, -0.4 }, { 0.3, 0.8 } }; // [out, in] as nn.Linear
    private static readonly double[] B1 = [0.1, -0.2];
    private static readonly double[,] W2 = { { 0.7, -0.6 } };
    private static readonly double[] B2 = [0.05];

    // The hand-derived values, written out (float64, from the formulas above).
    private const double ExpectedLoss = 0.6959961327958494;
    private static readonly double[] ExpectedO2 = [0.5367799019591589, 0.49012539772520514, 0.5466072778315699, 0.502078512162989];
    private static readonly double[] ExpectedDS2 = [0.13419497548978973, -0.12746865056869872, -0.11334818054210752, 0.12551962804074726];
    private static readonly double[] ExpectedDW2 = [0.012035322335544302, 0.007841759013248989];
    private static readonly double[] ExpectedDB2 = [0.018897772419730757];
    private static readonly double[] ExpectedDW1 = [0.003595137523770168, -6.480807956594017e-05, 0.0014831989720797759, 0.002021097757520785];
    private static readonly double[] ExpectedDB1 = [0.005208105866703134, -0.000948398231514231];

    /// <summary>The plain-arithmetic derivation reproduces the numbers written above.</summary>
    [Fact]
    public void Hand_derivation_gives_the_written_numbers()
    {
        var h = HandDerived();
        Close("loss", [ExpectedLoss], [h.Loss], 1e-15);
        Close("O2", ExpectedO2, h.O2, 1e-15);
        Close("dL/dS2", ExpectedDS2, h.DS2, 1e-15);
        Close("dL/dW2", ExpectedDW2, h.DW2, 1e-15);
        Close("dL/db2", ExpectedDB2, h.DB2, 1e-15);
        Close("dL/dW1", ExpectedDW1, h.DW1, 1e-15);
        Close("dL/db1", ExpectedDB1, h.DB1, 1e-15);
    }

    /// <summary>Both float64 backends' ValueAndGrad equal the hand-derived gradients within 1e-12.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void ValueAndGrad_equals_the_hand_derived_gradients(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var model = new Sequential(new Dense(2, 2), new Sigmoid(), new Dense(2, 1), new Sigmoid());
        var parameters = TensorTree.Of(
            ("0.weight", backend.FromArray(Flat(W1), new Shape(2, 2))),
            ("0.bias", backend.FromArray(B1, new Shape(2))),
            ("2.weight", backend.FromArray(Flat(W2), new Shape(1, 2))),
            ("2.bias", backend.FromArray(B2, new Shape(1))));
        var x = backend.FromArray(Flat(X), new Shape(N, 2));
        var y = backend.FromArray(Y, new Shape(N, 1));

        var (value, grads) = Grad.ValueAndGrad(p => Losses.BinaryCrossEntropy(model.Apply(p, x), y), parameters, requireFinite: true);

        var h = HandDerived();
        Close("loss", [h.Loss], value.ToArray(), 1e-12);
        Close("output", h.O2, model.Apply(parameters, x).ToArray(), 1e-12);
        Close("dL/d(2.weight)", h.DW2, grads["2.weight"].ToArray(), 1e-12);
        Close("dL/d(2.bias)", h.DB2, grads["2.bias"].ToArray(), 1e-12);
        Close("dL/d(0.weight)", h.DW1, grads["0.weight"].ToArray(), 1e-12);
        Close("dL/d(0.bias)", h.DB1, grads["0.bias"].ToArray(), 1e-12);
    }

    private static (double Loss, double[] O2, double[] DS2, double[] DW2, double[] DB2, double[] DW1, double[] DB1) HandDerived()
    {
        static double Sigma(double z) => 1 / (1 + Math.Exp(-z));

        var o1 = new double[N, 2];
        var o2 = new double[N];
        double loss = 0;
        for (var n = 0; n < N; n++)
        {
            for (var i = 0; i < 2; i++)
            {
                o1[n, i] = Sigma(X[n, 0] * W1[i, 0] + X[n, 1] * W1[i, 1] + B1[i]);
            }

            o2[n] = Sigma(o1[n, 0] * W2[0, 0] + o1[n, 1] * W2[0, 1] + B2[0]);
            loss -= Y[n] * Math.Log(o2[n]) + (1 - Y[n]) * Math.Log(1 - o2[n]);
        }

        loss /= N;

        // dL/dS2 = (O2 − Y)/N
        var ds2 = new double[N];
        for (var n = 0; n < N; n++)
        {
            ds2[n] = (o2[n] - Y[n]) / N;
        }

        // dL/dW2 = (dL/dS2)ᵀ O1, dL/db2 = Σ dL/dS2
        var dw2 = new double[2];
        var db2 = new double[1];
        for (var n = 0; n < N; n++)
        {
            dw2[0] += ds2[n] * o1[n, 0];
            dw2[1] += ds2[n] * o1[n, 1];
            db2[0] += ds2[n];
        }

        // dL/dS1 = (dL/dS2) W2 ⊙ O1 ⊙ (1 − O1)
        var ds1 = new double[N, 2];
        for (var n = 0; n < N; n++)
        {
            for (var i = 0; i < 2; i++)
            {
                ds1[n, i] = ds2[n] * W2[0, i] * o1[n, i] * (1 - o1[n, i]);
            }
        }

        // dL/dW1 = (dL/dS1)ᵀ X (row-major [out, in]), dL/db1 = Σ dL/dS1
        var dw1 = new double[4];
        var db1 = new double[2];
        for (var n = 0; n < N; n++)
        {
            for (var i = 0; i < 2; i++)
            {
                for (var j = 0; j < 2; j++)
                {
                    dw1[i * 2 + j] += ds1[n, i] * X[n, j];
                }

                db1[i] += ds1[n, i];
            }
        }

        return (loss, o2, ds2, dw2, db2, dw1, db1);
    }

    private static double[] Flat(double[,] m) => m.Cast<double>().ToArray();

    private static void Close(string what, double[] expected, double[] actual, double tolerance)
    {
        var e = RelativeError.Of(expected, actual);
        Assert.True(e.Value <= tolerance, $"{what}: {e} exceeds {tolerance:G} (a = hand-derived, b = computed)");
    }
}
