using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Normalization;

/// <summary>
/// Bad hyperparameters and bad use fail at once with messages that name the layer and say what to do: p outside
/// [0, 1), training without a key, batch statistics from one value per channel, wrong shapes; and the state and
/// parameter leaves carry PyTorch's names.
/// </summary>
public sealed class NormalizationErrorTests
{
    private static readonly Backend Backend = ReferenceBackend.Instance;

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Drop_probability_outside_zero_one_is_rejected(double p)
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(p));
        Assert.Contains("Dropout: the drop probability p must lie in [0, 1)", e1.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => new DropConnect(3, 2, p));
        Assert.Contains("DropConnect: the drop probability p must lie in [0, 1)", e2.Message);
    }

    [Fact]
    public void Zero_drop_probability_is_allowed_and_keeps_everything()
    {
        var x = Backend.FromArray([1, -2, 3, 4], 2, 2);
        var y = new Dropout(0).Apply(TensorTree.Empty, TensorTree.Empty, x, Context.Train(Key.FromSeed(1))).Output;
        Assert.Equal(x.ToArray(), y.ToArray());
    }

    [Fact]
    public void Training_without_a_key_names_the_layer()
    {
        var x = Backend.FromArray([1, 2, 3, 4], 2, 2);
        var e = Assert.Throws<InvalidOperationException>(() => new Dropout(0.25).Apply(TensorTree.Empty, TensorTree.Empty, x, Context.TrainDeterministic));
        Assert.Contains("Dropout(p=0.25): training mode needs a random key", e.Message);
        Assert.Contains("Context.Train(key)", e.Message);

        var dc = new DropConnect(2, 3, 0.5, DropoutKind.Classic);
        var e2 = Assert.Throws<InvalidOperationException>(() => dc.Apply(dc.Init(Key.FromSeed(0), Backend), TensorTree.Empty, x, Context.TrainDeterministic));
        Assert.Contains("DropConnect(2→3, p=0.5, classic): training mode needs a random key", e2.Message);

        var model = new Sequential(new Dense(2, 2), new Dropout(0.5));
        var e3 = Assert.Throws<InvalidOperationException>(() => model.Apply(model.Init(Key.FromSeed(0), Backend), TensorTree.Empty, x, Context.TrainDeterministic));
        Assert.Contains("Dropout(p=0.5)", e3.Message);

        // Evaluation needs no key.
        Assert.Equal(x.ToArray(), new Dropout(0.25).Apply(TensorTree.Empty, TensorTree.Empty, x, Context.Eval).Output.ToArray());
    }

    [Fact]
    public void Dropout_convenience_apply_asks_for_a_mode_and_key()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new Dropout().Apply(TensorTree.Empty, Backend.FromArray([1.0], 1, 1)));
        Assert.Contains("randomness", e.Message);
    }

    [Theory]
    [InlineData(new[] { 1, 3 })]
    [InlineData(new[] { 1, 3, 1 })]
    [InlineData(new[] { 1, 3, 1, 1 })]
    public void Batch_statistics_from_one_value_per_channel_are_refused(int[] dims)
    {
        var bn = new BatchNorm(3);
        var shape = new Shape(dims);
        var x = Backend.FromArray(new double[shape.Size], shape);
        var e = Assert.Throws<ArgumentException>(() => bn.Apply(bn.Init(Key.FromSeed(0), Backend), bn.InitState(Backend), x, Context.TrainDeterministic));
        Assert.Contains("BatchNorm(3): Expected more than 1 value per channel when training, got input size", e.Message);

        // Evaluation with running statistics works on a single example.
        var (y, _) = bn.Apply(bn.Init(Key.FromSeed(0), Backend), bn.InitState(Backend), x, Context.Eval);
        Assert.Equal(shape, y.Shape);

        // Without running statistics evaluation uses batch statistics too, so it refuses as well (as PyTorch).
        var untracked = new BatchNorm(3, trackRunningStats: false);
        Assert.Throws<ArgumentException>(() => untracked.Apply(untracked.Init(Key.FromSeed(0), Backend), TensorTree.Empty, x, Context.Eval));

        // Two values per channel are enough, from the batch or from the trailing axes.
        var two = new Shape([.. dims.Select((d, i) => i == dims.Length - 1 && dims.Length > 2 ? 2 : d)]);
        if (two != shape)
        {
            bn.Apply(bn.Init(Key.FromSeed(0), Backend), bn.InitState(Backend), Backend.FromArray([.. Enumerable.Range(0, (int)two.Size).Select(i => (double)i)], two), Context.TrainDeterministic);
        }
    }

    [Fact]
    public void BatchNorm_rejects_bad_hyperparameters_and_shapes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm(3, momentum: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm(3, momentum: 1.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm(3, momentum: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm(3, epsilon: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm(3, epsilon: double.PositiveInfinity));

        var bn = new BatchNorm(3);
        var p = bn.Init(Key.FromSeed(0), Backend);
        var s = bn.InitState(Backend);
        var wrong = Assert.Throws<LayerShapeException>(() => bn.Apply(p, s, Backend.FromArray(new double[8], 2, 4), Context.TrainDeterministic));
        Assert.Contains("BatchNorm(3): expected input [N, 3, *], got [2, 4]", wrong.Message);
        Assert.Throws<LayerShapeException>(() => bn.Apply(p, s, Backend.FromArray(new double[3], 3), Context.Eval));
        var missing = Assert.Throws<ArgumentException>(() => bn.Apply(p, TensorTree.Empty, Backend.FromArray(new double[6], 2, 3), Context.TrainDeterministic));
        Assert.Contains("missing state 'running_mean'", missing.Message);
        var badGamma = p.With(TensorTree.Of(("weight", Backend.FromArray(new double[4], 4))));
        Assert.Throws<ShapeMismatchException>(() => bn.Apply(badGamma, s, Backend.FromArray(new double[6], 2, 3), Context.TrainDeterministic));
        Assert.Throws<InvalidOperationException>(() => bn.Apply(p, Backend.FromArray(new double[6], 2, 3)));
    }

    [Fact]
    public void Fused_primitive_checks_shapes_in_the_core()
    {
        var x = Backend.FromArray(new double[6], 2, 3);
        var ok = Backend.FromArray(new double[3], 3);
        Assert.Throws<ShapeMismatchException>(() => Backend.FromArray(new double[3], 3).BatchNormTrain(ok, ok, 1e-5));
        Assert.Throws<ShapeMismatchException>(() => x.BatchNormTrain(Backend.FromArray(new double[2], 2), ok, 1e-5));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.BatchNormTrain(ok, ok, 0));
        Assert.Throws<ShapeMismatchException>(() => Backend.FromArray([], 0, 3).BatchNormTrain(ok, ok, 1e-5));
    }

    [Fact]
    public void Folding_refuses_layers_that_do_not_fit()
    {
        var dense = new Dense(2, 3);
        var dp = dense.Init(Key.FromSeed(0), Backend);
        var other = new BatchNorm(4);
        Assert.Contains("has 4 channels", Assert.Throws<ArgumentException>(() => BatchNormFolding.Fold(dense, dp, other, other.Init(Key.FromSeed(0), Backend), other.InitState(Backend))).Message);
        var untracked = new BatchNorm(3, trackRunningStats: false);
        Assert.Contains("keeps no running statistics", Assert.Throws<ArgumentException>(() => BatchNormFolding.Fold(dense, dp, untracked, untracked.Init(Key.FromSeed(0), Backend), TensorTree.Empty)).Message);
    }

    [Fact]
    public void Leaves_carry_pytorch_names()
    {
        var model = new Sequential(new Dense(4, 3, bias: false), new BatchNorm(3), new ReLU(), new Dropout(0.2), new DropConnect(3, 2));
        Assert.Equal(["0.weight", "1.weight", "1.bias", "4.weight", "4.bias"], model.Init(Key.FromSeed(0), Backend).Names);
        var state = model.InitState(Backend);
        Assert.Equal(["1.running_mean", "1.running_var", "1.num_batches_tracked"], state.Names);
        Assert.Equal(Shape.Scalar, state["1.num_batches_tracked"].Shape);
        Assert.Equal([0.0, 0, 0], state["1.running_mean"].ToArray());
        Assert.Equal([1.0, 1, 1], state["1.running_var"].ToArray());
        Assert.True(model.HasState);
        Assert.True(model.IsStochastic);
        Assert.Equal(12 + 6 + 8, model.ParameterCount);

        // The state threads through Sequential: one training step counts one batch.
        var x = Backend.FromArray(Key.FromSeed(1).Normal(20), 5, 4);
        var (_, next) = model.Apply(model.Init(Key.FromSeed(0), Backend), state, x, Context.Train(Key.FromSeed(2)));
        Assert.Equal(1.0, next["1.num_batches_tracked"].Item());
        Assert.Equal(state.Names, next.Names);
    }
}
