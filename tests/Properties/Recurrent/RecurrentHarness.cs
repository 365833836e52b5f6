using Functional.Nets.Tests.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Functional.Nets.Tests.Recurrent;

/// <summary>
/// Test harnesses (not library layers) that make a cell or a scan a <see cref="Layer"/> whose parameters also
/// hold the initial carry, so the generic laws (backend agreement, central differences, purity) differentiate
/// it too; and what the peer tests share.
/// </summary>
internal static class RecurrentHarness
{
    /// <summary>The initial carry leaf <paramref name="leaf"/> held as the parameter <c>leaf + "0"</c> (h0, c0).</summary>
    public static string Given(string leaf) => leaf + "0";

    /// <summary>A carry of N(0, ½²) entries for each leaf of <paramref name="cell"/>'s carry, under h0, c0.</summary>
    public static TensorTree InitialCarry(Cell cell, int batch, Key key, Backend backend)
    {
        var names = cell.InitialCarry(batch, backend).Names;
        return TensorTree.Of(names.Select((n, i) =>
            (Given(n), backend.FromArray(key.Fold((ulong)i).Normal(batch * cell.OutputSize).Select(v => v / 2).ToArray(), batch, cell.OutputSize))).ToArray());
    }

    /// <summary>The carry from h0, c0 in <paramref name="parameters"/>.</summary>
    public static TensorTree CarryOf(Cell cell, TensorTree parameters, int batch, Backend backend) =>
        TensorTree.Of(cell.InitialCarry(batch, backend).Names.Select(n => (n, parameters[Given(n)])).ToArray());

    /// <summary>The parameters without h0, c0.</summary>
    public static TensorTree Weights(Cell cell, TensorTree parameters, Backend backend)
    {
        var given = cell.InitialCarry(1, backend).Names.Select(Given).ToHashSet();
        return parameters.Without(given.Contains);
    }

    public static torch.Tensor ToTorch(Tensor t) => tensor(t.ToArray(), t.Shape.Dims.Select(d => (long)d).ToArray(), float64);

    public static double[] Values(torch.Tensor t) => t.contiguous().data<double>().ToArray();

    /// <summary>The relative error of ours against the peer, which must be within <paramref name="tolerance"/>.</summary>
    public static double Expect(string what, string peer, double[] ours, double[] theirs, double tolerance, LayerCase c)
    {
        var e = RelativeError.Of(ours, theirs);
        if (!(e.Value <= tolerance))
        {
            throw new LawViolation($"{what} of {c} vs {peer}: {e} exceeds {tolerance:G} (a = ours, b = peer)");
        }

        return e.Value;
    }
}

/// <summary>
/// Two steps of a cell on the same x [N, F]: carry₁ = step(x, carry₀), carry₂ = step(x, carry₁), from the zero
/// carry or from a given one (parameters h0, c0); the output is carry₂'s leaves concatenated along the features
/// (h₂ for an RNN or GRU, [h₂ | c₂] for an LSTM), so gradients flow back through both carry paths.
/// </summary>
internal sealed class TwoSteps(Cell cell, int batch, bool given) : Layer
{
    public Cell Cell => cell;

    public bool FromGiven => given;

    private int Leaves => cell is LstmCell or PeepholeLstmCell ? 2 : 1;

    public override long ParameterCount => cell.ParameterCount + (given ? (long)Leaves * batch * cell.OutputSize : 0);

    public override string Describe() => $"TwoSteps({cell.Describe()}{(given ? ", given carry" : "")})";

    public override Shape OutputShape(Shape input) => new(input[0], Leaves * cell.OutputSize);

    public override TensorTree Init(Key key, Backend backend) =>
        given ? cell.Init(key.Fold(0), backend).Merge(RecurrentHarness.InitialCarry(cell, batch, key.Fold(1), backend)) : cell.Init(key, backend);

    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        var weights = RecurrentHarness.Weights(cell, parameters, input.Backend);
        var carry = given ? RecurrentHarness.CarryOf(cell, parameters, batch, input.Backend) : cell.InitialCarry(input.Shape[0], input.Backend);
        var first = cell.Step(weights, input, carry);
        var second = cell.Step(weights, input, first.Carry);
        return (Tensor.Concat([.. second.Carry.Values], 1), state);
    }
}

/// <summary>A scan from the zero carry or from a given one (parameters h0, c0); the output is the scan's [N, T, H].</summary>
internal sealed class ScanFrom(Scan scan, int batch, bool given) : Layer
{
    public Scan Scan => scan;

    public bool FromGiven => given;

    public override long ParameterCount =>
        scan.ParameterCount + (given ? (scan.Cell is LstmCell or PeepholeLstmCell ? 2L : 1L) * batch * scan.Cell.OutputSize : 0);

    public override string Describe() => $"ScanFrom({scan.Describe()}{(given ? ", given carry" : "")})";

    public override Shape OutputShape(Shape input) => scan.OutputShape(input);

    public override TensorTree Init(Key key, Backend backend) =>
        given ? scan.Init(key.Fold(0), backend).Merge(RecurrentHarness.InitialCarry(scan.Cell, batch, key.Fold(1), backend)) : scan.Init(key, backend);

    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        var weights = RecurrentHarness.Weights(scan.Cell, parameters, input.Backend);
        var carry = given ? RecurrentHarness.CarryOf(scan.Cell, parameters, batch, input.Backend) : null;
        return (scan.Run(weights, state, input, carry, context).Outputs, state);
    }
}
