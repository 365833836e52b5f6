namespace Functional.Nets;

/// <summary>Weight penalties over any parameter tree, to add to a loss.</summary>
public static class Penalties
{
    /// <summary>L1: Σ over all leaves and entries of |w|. Its subgradient at 0 is taken as 0.</summary>
    public static Tensor L1(TensorTree parameters, Func<string, bool>? include = null) =>
        Total(parameters, include, t => t.Abs().Sum(), nameof(L1));

    /// <summary>L2: Σ over all leaves and entries of w² (multiply by λ/2 for the textbook ½λ‖w‖²).</summary>
    public static Tensor L2(TensorTree parameters, Func<string, bool>? include = null) =>
        Total(parameters, include, t => t.Square().Sum(), nameof(L2));

    private static Tensor Total(TensorTree parameters, Func<string, bool>? include, Func<Tensor, Tensor> term, string name)
    {
        Tensor? sum = null;
        foreach (var (leaf, value) in parameters)
        {
            if (include is null || include(leaf))
            {
                var t = term(value);
                sum = sum is null ? t : sum + t;
            }
        }

        return sum ?? throw new ArgumentException($"{name}: no parameter leaf selected; leaves: {parameters.Describe()}");
    }
}
