namespace Functional.Nets.Examples.BatchNorm;

/// <summary>The paper's network in small: 784 → three hidden layers of 100 sigmoid units → 10 logits.</summary>
internal static class Network
{
    /// <summary>Units per hidden layer.</summary>
    public const int Width = 100;

    /// <summary>Hidden layers.</summary>
    public const int Depth = 3;

    /// <summary>
    /// Dense → Sigmoid three times, then Dense(→10); with batch norm, Dense (no bias: β takes its place) →
    /// BatchNorm → Sigmoid, so the normalization is of the sigmoid's input x = Wu, as in the paper (BN(Wu)).
    /// Weights start from N(0, σ²) (the paper's "small random Gaussian values"), biases from 0.
    /// </summary>
    public static Sequential Create(bool batchNorm, double initStd, double batchNormMomentum)
    {
        var weights = Initializer.Normal(0, initStd);
        var layers = new List<Layer>();
        var width = 28 * 28;
        for (var i = 0; i < Depth; i++)
        {
            layers.Add(new Dense(width, Width, bias: !batchNorm, weightInit: weights, biasInit: Initializer.Zeros));
            if (batchNorm)
            {
                layers.Add(new Functional.Nets.BatchNorm(Width, batchNormMomentum));
            }

            layers.Add(new Sigmoid());
            width = Width;
        }

        layers.Add(new Dense(width, Functional.Nets.Mnist.Classes, weightInit: weights, biasInit: Initializer.Zeros));
        return new Sequential(layers);
    }

    /// <summary>
    /// The input of unit <paramref name="unit"/> of the last hidden layer's sigmoid for every row of
    /// <paramref name="x"/>, in evaluation mode: the model's layers before that sigmoid, run as a
    /// <see cref="Sequential"/> of their own on the same parameter and state leaves (named by position, so the
    /// prefix's leaves are the model's <c>0.*</c> … <c>k−1.*</c>).
    /// </summary>
    public static double[] LastSigmoidInput(Sequential model, TensorTree parameters, TensorTree state, Tensor x, int unit)
    {
        var k = model.Layers.Select((l, i) => (l, i)).Last(p => p.l is Sigmoid).i;
        var prefix = new Sequential(model.Layers.Take(k));
        var names = Enumerable.Range(0, k).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var (y, _) = prefix.Apply(
            TensorTree.Nest(names.Select(n => (n, parameters.Child(n)))),
            TensorTree.Nest(names.Select(n => (n, state.Child(n)))),
            x,
            Context.Eval);
        var values = y.ToArray();
        var column = new double[y.Shape[0]];
        for (var i = 0; i < column.Length; i++)
        {
            column[i] = values[i * Width + unit];
        }

        return column;
    }
}
