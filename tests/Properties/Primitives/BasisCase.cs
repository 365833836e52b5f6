using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Tests.Primitives;

/// <summary>How a case draws its input values, so that generated inputs stay away from the primitive's kinks.</summary>
public enum Draw
{
    /// <summary>Standard normal values.</summary>
    Normal,

    /// <summary>
    /// Distinct values k/10 + 0.03 for a shuffled k around 0: no two equal (no ties for max, min, maximum), none within
    /// 0.03 of a multiple of 0.1 (so 0 and the bounds ±0.5 of clamp are never approached).
    /// </summary>
    Grid,

    /// <summary>
    /// As <see cref="Grid"/> but offset by 0.08: a second operand drawn this way is never within 0.05 of a
    /// <see cref="Grid"/> operand (no ties of maximum(a, b)).
    /// </summary>
    OffsetGrid,

    /// <summary>Values in [0.5, 2.5): the domain of pow with a real exponent, of log and sqrt.</summary>
    Positive,
}

/// <summary>
/// One primitive under test: its float inputs (shapes and how their values are drawn), the operation in our core API
/// (<see cref="Ours"/>, which builds any index tensors on the inputs' backend) and the same operation written directly
/// in TorchSharp (<see cref="Peer"/>), the matching <c>torch</c> function the Torch backend's result must equal.
/// </summary>
/// <param name="Name">The case's name, reported as its own theory case.</param>
/// <param name="Shapes">The float inputs' shapes.</param>
/// <param name="Draws">How each input's values are drawn.</param>
/// <param name="Ours">The operation on our tensors.</param>
/// <param name="Peer">The operation on TorchSharp tensors.</param>
/// <param name="GradientIsDerivative">
/// False where the gradient is by definition not the derivative (stop-gradient), so central differences must disagree.
/// </param>
public sealed record BasisCase(string Name, Shape[] Shapes, Draw[] Draws, Func<IReadOnlyList<Functional.Nets.Tensor>, Functional.Nets.Tensor> Ours, Func<IReadOnlyList<TorchTensor>, TorchTensor> Peer, bool GradientIsDerivative = true)
{
    /// <summary>The values of input <paramref name="input"/> for <paramref name="seed"/>.</summary>
    public double[] Values(int seed, int input)
    {
        var n = checked((int)Shapes[input].Size);
        var key = Key.FromSeed(seed * 31 + input);
        switch (Draws[input])
        {
            case Draw.Normal:
                return key.Normal(n);
            case Draw.Positive:
                return key.Uniform(n, 0.5, 2.5);
            default:
                var offset = Draws[input] == Draw.Grid ? 0.03 : 0.08;
                var order = key.Permutation(n);
                return order.Select(k => (k - n / 2) / 10.0 + offset).ToArray();
        }
    }

    /// <summary>An int64 index tensor on <paramref name="like"/>'s backend.</summary>
    public static Functional.Nets.Tensor Ids(Functional.Nets.Tensor like, long[] values, params int[] dims) => like.Backend.FromIndices(values, dims);

    /// <summary>An int64 TorchSharp tensor.</summary>
    public static TorchTensor TorchIds(long[] values, params long[] dims) => tensor(values, int64).reshape(dims);

    /// <inheritdoc />
    public override string ToString() => Name;
}
