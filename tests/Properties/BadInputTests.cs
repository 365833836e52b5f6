using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests;

/// <summary>
/// Bad input is caught in the core, before any backend runs, so every backend gives the same
/// error with the same message: shapes name the layer, its position and both shapes; widths and α
/// fail at construction; mixed backends and non-finite losses fail with their own exceptions.
/// </summary>
public sealed class BadInputTests
{
    /// <summary>Dense(784→128) at position 0 fed [32, 100]: the exact message, identical on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Wrong_input_width_names_layer_position_and_shapes(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var model = new Sequential(new Dense(784, 128), new ReLU(), new Dense(128, 10));
        using var parameters = model.Init(Key.FromSeed(1), backend);
        using var x = backend.FromArray(new double[32 * 100], new Shape(32, 100));

        var e = Assert.Throws<LayerShapeException>(() => model.Apply(parameters, x));
        Assert.Equal("Dense(784→128) at [0]: expected input [*, 784], got [32, 100]", e.Message);
        Assert.Equal("0", e.Path);
    }

    /// <summary>A layer inside a nested Sequential is reported by its full path, e.g. [1.0].</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Nested_sequential_reports_the_full_path(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var model = new Sequential(new Dense(4, 8), new Sequential(new Dense(5, 3), new Tanh()));
        using var parameters = model.Init(Key.FromSeed(2), backend);
        using var x = backend.FromArray(new double[2 * 4], new Shape(2, 4));

        var e = Assert.Throws<LayerShapeException>(() => model.Apply(parameters, x));
        Assert.Equal("Dense(5→3) at [1.0]: expected input [*, 5], got [2, 8]", e.Message);
        Assert.Equal("1.0", e.Path);
    }

    /// <summary>The shape error is caught before dispatch: the summary of a model raises the same message with no backend at all.</summary>
    [Fact]
    public void Shape_errors_come_from_the_core()
    {
        var model = new Sequential(new Dense(784, 128), new ReLU(), new Dense(128, 10));
        var e = Assert.Throws<LayerShapeException>(() => ModelSummary.Of(model, new Shape(32, 100)));
        Assert.Equal("Dense(784→128) at [0]: expected input [*, 784], got [32, 100]", e.Message);
    }

    /// <summary>Non-positive widths fail at construction, naming the layer and the offending width.</summary>
    [Theory]
    [InlineData(0, 3, "inputs")]
    [InlineData(-1, 3, "inputs")]
    [InlineData(3, 0, "outputs")]
    [InlineData(3, -5, "outputs")]
    public void Non_positive_width_fails_at_construction(int inputs, int outputs, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(inputs, outputs));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains($"Dense({inputs}→{outputs}): widths must be positive", e.Message, StringComparison.Ordinal);
    }

    /// <summary>LeakyReLU's α must lie in [0, 1).</summary>
    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.0)]
    [InlineData(2.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void LeakyReLU_alpha_out_of_range_fails_at_construction(double alpha)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyReLU(alpha));
        Assert.Equal("alpha", e.ParamName);
        Assert.Contains("LeakyReLU: α must lie in [0, 1)", e.Message, StringComparison.Ordinal);
    }

    /// <summary>ELU's α must be positive and finite.</summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ELU_alpha_out_of_range_fails_at_construction(double alpha)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ELU(alpha));
        Assert.Equal("alpha", e.ParamName);
        Assert.Contains("ELU: α must be positive and finite", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The boundary values that are allowed construct fine.</summary>
    [Fact]
    public void Alpha_boundaries_that_are_allowed_construct()
    {
        Assert.Equal(0, new LeakyReLU(0).Alpha);
        Assert.Equal(0.999, new LeakyReLU(0.999).Alpha);
        Assert.Equal(1e-9, new ELU(1e-9).Alpha);
    }

    /// <summary>Pairs of combinations that differ in library or dtype.</summary>
    public static TheoryData<string, string> MismatchedPairs => new()
    {
        { BackendCombinations.Reference, BackendCombinations.TorchCpuFloat64 },
        { BackendCombinations.TorchCpuFloat64, BackendCombinations.Reference },
        { BackendCombinations.TorchCpuFloat64, BackendCombinations.TorchCpuFloat32 },
        { BackendCombinations.Reference, BackendCombinations.TorchCpuFloat32 },
    };

    /// <summary>Mixing tensors of two backends or dtypes throws BackendMismatchException, in arithmetic, matmul, layers and ValueAndGrad.</summary>
    [Theory]
    [MemberData(nameof(MismatchedPairs))]
    public void Mixing_backends_or_dtypes_throws_BackendMismatchException(string first, string second)
    {
        var a = BackendCombinations.Resolve(first);
        var b = BackendCombinations.Resolve(second);
        using var x = a.FromArray([1, 2, 3, 4], new Shape(2, 2));
        using var y = b.FromArray([5, 6, 7, 8], new Shape(2, 2));

        Assert.Throws<BackendMismatchException>(() => x + y);
        Assert.Throws<BackendMismatchException>(() => x * y);
        Assert.Throws<BackendMismatchException>(() => x.MatMul(y));

        var dense = new Dense(2, 3);
        using var parameters = dense.Init(Key.FromSeed(3), a);
        Assert.Throws<BackendMismatchException>(() => dense.Apply(parameters, y));

        var mixed = TensorTree.Of(("w", x), ("v", y));
        var e = Assert.Throws<BackendMismatchException>(() => Grad.ValueAndGrad(p => (p["w"] * p["w"]).Sum(), mixed));
        Assert.Contains("'v'", e.Message, StringComparison.Ordinal);
    }

    /// <summary>ValueAndGrad with requireFinite throws NonFiniteException for a NaN and for an infinite loss, on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void RequireFinite_throws_on_a_non_finite_loss(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var negative = backend.FromArray([-1.0, 2.0], new Shape(2));
        using var zero = backend.FromArray([0.0, 2.0], new Shape(2));
        static Tensor LogSum(TensorTree p) => p["w"].Log().Sum();

        var nan = Assert.Throws<NonFiniteException>(() => Grad.ValueAndGrad(LogSum, TensorTree.Of(("w", negative)), requireFinite: true));
        Assert.Contains("the loss is not finite", nan.Message, StringComparison.Ordinal);
        var inf = Assert.Throws<NonFiniteException>(() => Grad.ValueAndGrad(LogSum, TensorTree.Of(("w", zero)), requireFinite: true));
        Assert.Contains("the loss is not finite", inf.Message, StringComparison.Ordinal);

        // Without the check the non-finite value comes back as it is.
        var (value, grads) = Grad.ValueAndGrad(LogSum, TensorTree.Of(("w", negative)));
        using (value)
        using (grads)
        {
            Assert.True(double.IsNaN(value.Item()));
        }
    }

    /// <summary>The summary of 784-128-10 lists each layer with its output shape and parameters, 101,770 in all.</summary>
    [Fact]
    public void ModelSummary_of_a_small_MLP()
    {
        var model = new Sequential(new Dense(784, 128), new ReLU(), new Dense(128, 10));
        var summary = ModelSummary.Of(model, new Shape(32, 784));

        Assert.Equal(101_770, summary.TotalParameters);
        Assert.Equal(
            new[]
            {
                new SummaryRow("", 0, "Sequential(3 layers)", new Shape(32, 10), 101_770),
                new SummaryRow("0", 1, "Dense(784→128)", new Shape(32, 128), 100_480),
                new SummaryRow("1", 1, "ReLU", new Shape(32, 128), 0),
                new SummaryRow("2", 1, "Dense(128→10)", new Shape(32, 10), 1_290),
            },
            summary.Rows);
        var text = summary.ToString();
        Assert.Contains("Total parameters: 101,770", text, StringComparison.Ordinal);
        Assert.Contains("[0] Dense(784→128)", text, StringComparison.Ordinal);

        // The count agrees with the parameters Init creates.
        Assert.Equal(101_770, model.Init(Key.FromSeed(4), ReferenceBackend.Instance).ParameterCount);
    }

    /// <summary>
    /// The Torch backend loads libtorch and runs a tiny op. If libtorch cannot load, this fails with
    /// the loader's message (nothing here catches it); it is never skipped.
    /// </summary>
    [Fact]
    public void Torch_backend_loads_and_runs_a_tiny_op()
    {
        var backend = TorchBackend.CpuFloat64;
        using var a = backend.FromArray([1, 2, 3, 4], new Shape(2, 2));
        using var b = a.MatMul(a.T);
        Assert.Equal([5.0, 11.0, 11.0, 25.0], b.ToArray());
        Assert.Equal("torch/float64/cpu", backend.ToString());

        var single = TorchBackend.CpuFloat32;
        using var c = single.FromArray([0.5, -1.5], new Shape(2));
        Assert.Equal([1.0, 9.0], (c * c * 4.0).ToArray());
    }
}
